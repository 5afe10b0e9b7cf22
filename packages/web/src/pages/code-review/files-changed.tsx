// The files the change touches, each linking to its place in the diff.
import type { DiffFile } from "@garageswarm/protocol";
import { Section } from "../../components/page.tsx";
import { fileAnchor } from "./anchors.ts";

const statusLabels: Record<DiffFile["status"], string> = {
  added: "added",
  modified: "modified",
  deleted: "deleted",
  renamed: "renamed",
  copied: "copied",
  type_changed: "type changed",
};

export function FilesChanged({ files }: { files: readonly DiffFile[] }) {
  return (
    <Section title={`Files changed (${files.length})`}>
      {files.length === 0 ? (
        <p className="muted">The agent changed no files.</p>
      ) : (
        <ul className="files-changed">
          {files.map((file) => (
            <li key={file.path}>
              <a href={`#${fileAnchor(file.path)}`} className="mono">
                {file.old_path && file.old_path !== file.path ? `${file.old_path} → ` : ""}
                {file.path}
              </a>{" "}
              <span className={`chip file-${file.status}`}>{statusLabels[file.status]}</span>{" "}
              {file.binary ? (
                <span className="muted">binary</span>
              ) : (
                <span className="diff-stat">
                  <span className="additions">+{file.additions}</span>{" "}
                  <span className="deletions">−{file.deletions}</span>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
