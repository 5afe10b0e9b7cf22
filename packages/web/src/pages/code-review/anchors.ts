/** The id of a file's heading in the diff, for the files list to link to: one id per path, never two. */
export function fileAnchor(path: string): string {
  return `diff-${path.replace(/[^A-Za-z0-9-]/g, (character) => `_${character.codePointAt(0)?.toString(16)}`)}`;
}
