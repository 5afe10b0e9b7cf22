/** A status as a word with a colour; the word carries the meaning, the colour only helps. */
export function StatusBadge({ status, label }: { status: string; label?: string | undefined }) {
  return <span className={`badge badge-${status}`}>{label ?? status.replace(/_/g, " ")}</span>;
}
