// Labels every data table's cells with their column's header (`data-label`), so that on a narrow screen the
// style sheet can show each row as a card of "header: value" lines. One observer for the whole app, rather than
// each view labelling its own cells: a new table is labelled without anyone remembering to.

/** Tables that are the views' own (uPlot's legend is a table too, and stays as uPlot draws it). */
const TABLES = 'table:not(.u-legend)';

function headersOf(table: HTMLTableElement): string[] {
  const row = table.tHead?.rows[0];
  return row ? [...row.cells].map((th) => th.textContent?.trim() ?? '') : [];
}

function labelRow(row: HTMLTableRowElement, headers: string[]): void {
  let column = 0;
  for (const cell of row.cells) {
    // A cell across columns (a request's opened detail, "No request matches") is a line of its own: no label.
    const label = cell.colSpan > 1 ? '' : (headers[column] ?? '');
    column += cell.colSpan;
    if (cell.dataset['label'] !== label) cell.dataset['label'] = label;
    const empty = cell.textContent?.trim() === '' && cell.querySelector('button, canvas, .meter') === null;
    if (cell.hasAttribute('data-empty') !== empty) cell.toggleAttribute('data-empty', empty);
  }
}

export function labelCells(root: ParentNode): void {
  for (const table of root.querySelectorAll<HTMLTableElement>(TABLES)) {
    const headers = headersOf(table);
    if (!table.hasAttribute('data-cards')) table.setAttribute('data-cards', '');
    for (const body of table.tBodies) for (const row of body.rows) labelRow(row, headers);
  }
}

/** Labels `root`'s tables now and whenever the views change them. Only attributes are written, and attributes are
 * not observed, so labelling never wakes the observer again. */
export function labelCellsOf(root: HTMLElement): MutationObserver {
  labelCells(root);
  const observer = new MutationObserver(() => labelCells(root));
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  return observer;
}
