// `garageswarm workers`: sharing a worker from the CLI, spawned against a real server. Each share is an offer
// its recipient answers; nothing shows up in their list until they accept.
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUserWithKey } from "../../../test/support/users.ts";
import { registerWorker } from "../../server/test/queue.support.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

describe("garageswarm workers/admin --help", () => {
  it("lists every subcommand next to the worker process command, which is unchanged", async () => {
    const top = await runCli(["--help"]);
    for (const command of ["worker", "workers", "admin"])
      expect(top.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    const workers = await runCli(["workers", "--help"]);
    for (const command of ["list", "add", "share", "offers", "accept", "decline", "leave", "unshare", "members"]) {
      expect(workers.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
    expect((await runCli(["workers", "share", "--help"])).stdout).toContain("--role");
    expect((await runCli(["worker", "--help"])).stdout).toContain("--state-dir");
    const admin = await runCli(["admin", "--help"]);
    for (const command of ["users", "user", "invite", "invites"])
      expect(admin.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    expect((await runCli(["admin", "user", "create", "--help"])).stdout).toContain("--email");
    expect((await runCli(["admin", "invite", "create", "--help"])).stdout).toContain("--days");
  });
});

describe.skipIf(postgresStackMissing())("garageswarm workers", () => {
  it("add: makes a pairing code and prints the line to paste per OS; the code enrols a machine once", async ({
    server,
    api,
    key,
  }) => {
    const added = await runCli([
      "workers",
      "add",
      "gpu-box",
      "--labels",
      "gpu,cuda",
      "--server",
      server.url,
      "--key",
      key,
    ]);
    expect(added.code, added.stderr).toBe(0);
    const code = /Pairing code ([2-9A-Z]{4}-[2-9A-Z]{4}),/.exec(added.stdout)?.[1];
    expect(code).toBeDefined();
    expect(added.stdout).toContain(`curl -fsSL ${server.url}/install.sh | sh -s -- --code ${code}`);
    expect(added.stdout).toMatch(new RegExp(`Windows PowerShell: .*install\\.ps1.*-Code ${code}`));
    const enrolled = await api.post("/api/v1/enrol", { code });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toMatchObject({
      name: "gpu-box",
      labels: ["gpu", "cuda"],
      key: expect.stringMatching(/^gs_/),
    });
    expect((await api.post("/api/v1/enrol", { code })).status).toBe(400);

    // A label longer than the server keeps: refused, naming the field.
    const bad = await runCli(["workers", "add", "--labels", "x".repeat(101), "--server", server.url, "--key", key]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("labels");
  });

  it("offer → offers lists it → accept → list shows it with its owner → members → leave", async ({
    server,
    api,
    user,
    key,
  }) => {
    const worker = await registerWorker(api, key, { tools: ["ollama"] });
    const friend = await createUserWithKey(api);
    const as = (credential: string, ...args: string[]) =>
      runCli([...args, "--server", server.url, "--key", credential]);

    const mine = await as(key, "workers", "list");
    expect(mine.code).toBe(0);
    expect(mine.stdout).toMatch(/^ID\s+MACHINE\s+OWNER\s+STATUS\s+TOOLS\s+MY ROLE$/m);
    expect(mine.stdout).toMatch(
      new RegExp(`^${worker.worker_id}\\s+test box\\s+${user.username}\\s+\\S+\\s+ollama\\s+owner$`, "m"),
    );

    const shared = await as(key, "workers", "share", worker.worker_id, friend.username, "--role", "operator");
    expect(shared.code).toBe(0);
    expect(shared.stdout).toContain(
      `Offer sent to ${friend.username} (operator) if that user exists; they appear among the members once they accept.`,
    );
    // The same answer for nobody: sharing does not reveal who has an account.
    const nobody = await as(key, "workers", "share", worker.worker_id, "no_such_user_here");
    expect(nobody.code).toBe(0);
    expect(nobody.stdout).toContain("Offer sent to no_such_user_here (operator) if that user exists");

    // Offered but not accepted: the friend sees the offer, not the worker.
    const offers = await as(friend.key, "workers", "offers");
    expect(offers.code).toBe(0);
    expect(offers.stdout).toMatch(
      new RegExp(
        `^${worker.worker_id}\\s+test box\\s+${user.username}\\s+operator\\s+ollama\\s+${user.username}\\s`,
        "m",
      ),
    );
    const offersJson = JSON.parse((await as(friend.key, "workers", "offers", "--json")).stdout);
    expect(offersJson).toEqual([
      expect.objectContaining({ worker_id: worker.worker_id, role: "operator", owner_username: user.username }),
    ]);
    expect(JSON.parse((await as(friend.key, "workers", "list", "--json")).stdout)).toEqual([]);
    const membersBefore = JSON.parse((await as(key, "workers", "members", worker.worker_id, "--json")).stdout);
    expect(membersBefore.map((member: { username: string }) => member.username)).toEqual([user.username]);

    const accepted = await as(friend.key, "workers", "accept", worker.worker_id);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`Accepted: you are operator on test box (${user.username}'s machine).`);
    expect((await as(friend.key, "workers", "offers")).stdout.trim()).toBe("(none)");

    const listed = await as(friend.key, "workers", "list");
    expect(listed.stdout).toMatch(
      new RegExp(`^${worker.worker_id}\\s+test box\\s+${user.username}\\s+\\S+\\s+ollama\\s+operator$`, "m"),
    );
    const listedJson = JSON.parse((await as(friend.key, "workers", "list", "--json")).stdout);
    expect(listedJson).toEqual([
      expect.objectContaining({ worker_id: worker.worker_id, owner_username: user.username, role: "operator" }),
    ]);

    const members = await as(key, "workers", "members", worker.worker_id);
    expect(members.code).toBe(0);
    expect(members.stdout).toMatch(new RegExp(`^${friend.user_id}\\s+${friend.username}\\s+operator\\s+\\S+$`, "m"));
    expect(members.stdout).toMatch(new RegExp(`^${user.user_id}\\s+${user.username}\\s+owner\\s`, "m"));

    const left = await as(friend.key, "workers", "leave", worker.worker_id);
    expect(left.code).toBe(0);
    expect(left.stdout).toContain(`Left worker ${worker.worker_id}.`);
    expect(JSON.parse((await as(friend.key, "workers", "list", "--json")).stdout)).toEqual([]);
    const membersAfter = JSON.parse((await as(key, "workers", "members", worker.worker_id, "--json")).stdout);
    expect(membersAfter.map((member: { username: string }) => member.username)).toEqual([user.username]);
  });

  it("decline drops the offer; the worker never shows up", async ({ server, api, key }) => {
    const worker = await registerWorker(api, key);
    const other = await createUserWithKey(api);
    const as = (credential: string, ...args: string[]) =>
      runCli([...args, "--server", server.url, "--key", credential]);

    expect((await as(key, "workers", "share", worker.worker_id, other.username, "--role", "viewer")).code).toBe(0);
    expect(JSON.parse((await as(other.key, "workers", "offers", "--json")).stdout)).toEqual([
      expect.objectContaining({ worker_id: worker.worker_id, role: "viewer" }),
    ]);
    const declined = await as(other.key, "workers", "decline", worker.worker_id);
    expect(declined.code).toBe(0);
    expect(declined.stdout).toContain(`Declined the offer of worker ${worker.worker_id}.`);
    expect(JSON.parse((await as(other.key, "workers", "offers", "--json")).stdout)).toEqual([]);
    expect(JSON.parse((await as(other.key, "workers", "list", "--json")).stdout)).toEqual([]);
    // Nothing left to accept.
    const late = await as(other.key, "workers", "accept", worker.worker_id);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/HTTP 4\d\d/);
  });

  it("the owner unshares a member; a member cannot share the worker on", async ({ server, api, key }) => {
    const worker = await registerWorker(api, key);
    const member = await createUserWithKey(api);
    const as = (credential: string, ...args: string[]) =>
      runCli([...args, "--server", server.url, "--key", credential]);

    await as(key, "workers", "share", worker.worker_id, member.username);
    expect((await as(member.key, "workers", "accept", worker.worker_id, "--json")).code).toBe(0);
    // Operators run tasks on the worker; only owners share it. The server's problem is printed as is.
    const reshare = await as(member.key, "workers", "share", worker.worker_id, "someone_else");
    expect(reshare.code).toBe(1);
    expect(reshare.stderr).toMatch(/^garageswarm: .+ \(HTTP 40[34]\)$/m);

    const removed = await as(key, "workers", "unshare", worker.worker_id, member.user_id);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`Removed user ${member.user_id} from worker ${worker.worker_id}`);
    expect(JSON.parse((await as(member.key, "workers", "list", "--json")).stdout)).toEqual([]);
  });
});
