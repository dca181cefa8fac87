// Plain-text tables for the terminal (`sessions list`, the demo's attempt trails): columns padded to their widest
// cell, no box drawing, so the output survives copy-paste, logs and narrow terminals.

export interface Column<Row> {
  header: string;
  cell: (row: Row) => string;
  /** Right-align (numbers, durations). */
  right?: boolean;
  /** Cut longer cells with an ellipsis. */
  max?: number;
}

export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], indent = ''): string {
  const cells = rows.map((r) => columns.map((c) => clip(c.cell(r), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    indent +
    values
      .map((v, i) => (columns[i]?.right ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

function clip(text: string, max: number | undefined): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return max !== undefined && oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
