// Plain aligned columns for list commands.
export function printTable(headers: string[], rows: string[][], write: (line: string) => void = console.log): void {
  if (rows.length === 0) {
    write("(none)");
    return;
  }
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  write(line(headers));
  for (const row of rows) write(line(row));
}
