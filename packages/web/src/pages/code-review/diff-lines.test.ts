import type { ReviewComment } from "@garageswarm/protocol";
import { getChangeKey, parseDiff } from "react-diff-view";
import { describe, expect, it } from "vitest";
import { commentsOffTheDiff, filePath, findChange, languageOf, lineOfChange, placeComments } from "./diff-lines.ts";

// As `git diff` prints it: a modified file (one line changed, one added) and a deleted one.
const patch = `diff --git a/src/greet.ts b/src/greet.ts
index 1111111..2222222 100644
--- a/src/greet.ts
+++ b/src/greet.ts
@@ -1,4 +1,5 @@
 export function greet(name: string) {
-  return "hi " + name;
+  return \`hello \${name}\`;
 }
+export const version = 2;
 // end
diff --git a/old.txt b/old.txt
deleted file mode 100644
index 3333333..0000000
--- a/old.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-first
-second
`;

const [greet, old] = parseDiff(patch);
if (!greet || !old) throw new Error("the sample diff did not parse");

function comment(fields: Partial<ReviewComment>): ReviewComment {
  return {
    comment_id: crypto.randomUUID(),
    task_id: crypto.randomUUID(),
    user_id: crypto.randomUUID(),
    body: "a remark",
    path: null,
    line: null,
    side: "new",
    sent_in_task_id: null,
    created_at: "2026-12-07T20:00:00.000Z",
    ...fields,
  };
}

describe("diff lines", () => {
  it("names a deleted file by its old path", () => {
    expect(filePath(greet)).toBe("src/greet.ts");
    expect(filePath(old)).toBe("old.txt");
  });

  it("reads the line a change shows: added and kept lines on the new side, removed ones on the old", () => {
    const changes = greet.hunks.flatMap((hunk) => hunk.changes);
    expect(changes.map(lineOfChange)).toEqual([
      { line: 1, side: "new" },
      { line: 2, side: "old" },
      { line: 2, side: "new" },
      { line: 3, side: "new" },
      { line: 4, side: "new" },
      { line: 5, side: "new" },
    ]);
  });

  it("finds the change for a line on each side, and none for a line the diff does not show", () => {
    expect(findChange(greet.hunks, { line: 2, side: "new" })?.content).toContain("hello");
    expect(findChange(greet.hunks, { line: 2, side: "old" })?.content).toContain('"hi "');
    // Old line 3 is the kept "}", which is new line 3.
    expect(findChange(greet.hunks, { line: 3, side: "old" })).toBe(findChange(greet.hunks, { line: 3, side: "new" }));
    expect(findChange(greet.hunks, { line: 40, side: "new" })).toBeNull();
  });

  it("places line comments on their change, keeps unplaceable ones apart and ignores other files", () => {
    const onAdded = comment({ path: "src/greet.ts", line: 4 });
    const onRemoved = comment({ path: "src/greet.ts", line: 2, side: "old" });
    const twoOnOneLine = comment({ path: "src/greet.ts", line: 4, body: "and another" });
    const outOfView = comment({ path: "src/greet.ts", line: 90 });
    const otherFile = comment({ path: "old.txt", line: 1, side: "old" });
    const whole = comment({});
    const placed = placeComments(greet, [onAdded, onRemoved, twoOnOneLine, outOfView, otherFile, whole]);

    const added = findChange(greet.hunks, { line: 4, side: "new" });
    const removed = findChange(greet.hunks, { line: 2, side: "old" });
    if (!added || !removed) throw new Error("lines missing from the sample");
    expect(placed.byChangeKey.get(getChangeKey(added))).toEqual([onAdded, twoOnOneLine]);
    expect(placed.byChangeKey.get(getChangeKey(removed))).toEqual([onRemoved]);
    expect(placed.byChangeKey.size).toBe(2);
    expect(placed.elsewhere).toEqual([outOfView]);
    expect(placeComments(old, [otherFile]).byChangeKey.size).toBe(1);
  });

  it("lists comments on files the diff no longer has", () => {
    const gone = comment({ path: "removed-since.ts", line: 1 });
    expect(commentsOffTheDiff([greet, old], [gone, comment({ path: "old.txt", line: 1 }), comment({})])).toEqual([
      gone,
    ]);
  });

  it("picks a grammar by file name, and none for an unknown one", () => {
    expect(languageOf("src/app.tsx")).toBe("tsx");
    expect(languageOf("deploy/Dockerfile")).toBe("docker");
    expect(languageOf("Makefile")).toBeNull();
    expect(languageOf(".env")).toBeNull();
  });

  it("reads the text files around a binary one in a `git diff --binary` patch", () => {
    const withBinary = `diff --git a/a.txt b/a.txt
new file mode 100644
index 0000000..422c2b7
--- /dev/null
+++ b/a.txt
@@ -0,0 +1,2 @@
+a
+b
diff --git a/img.bin b/img.bin
new file mode 100644
index 0000000000000000000000000000000000000000..c5e08a0e2c117afc695dbadda272672531a91db9
GIT binary patch
literal 12
TcmV;(05|_H=^p;fUVQ=y

literal 0
HcmV?d00001

diff --git a/z.txt b/z.txt
new file mode 100644
index 0000000..587be6b
--- /dev/null
+++ b/z.txt
@@ -0,0 +1 @@
+x
`;
    const files = parseDiff(withBinary);
    expect(files.map(filePath)).toEqual(["a.txt", "img.bin", "z.txt"]);
    expect(files[1]?.hunks).toEqual([]);
    expect(files[2]?.hunks.flatMap((hunk) => hunk.changes.map((change) => change.content))).toEqual(["x"]);
    const z = files[2];
    if (!z) throw new Error("z.txt missing");
    expect(placeComments(z, [comment({ path: "z.txt", line: 1 })]).byChangeKey.size).toBe(1);
  });
});
