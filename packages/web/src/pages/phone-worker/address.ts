// Where the phone worker's page lives. The server gives the document loaded at this address a CSP that lets
// it call the vendors' APIs; a document first loaded elsewhere keeps the stricter one, so the way in is a
// document load, unless this document was loaded there (then an in-app link keeps a running worker alive).

export const phoneWorkerPath = "/phone";

export function documentLoadedAtPhonePage(): boolean {
  const entry = performance.getEntriesByType("navigation")[0];
  return entry !== undefined && new URL(entry.name).pathname === phoneWorkerPath;
}
