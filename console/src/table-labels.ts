import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

/**
 * Gives every body cell of the console's tables its column's name as `data-label`, read from the table's header.
 * On a narrow frame the stylesheet stacks each row into a card of "label: value" lines from it (styles.css, "Stacked
 * tables"), so no table scrolls the page sideways. Read from the header, the labels follow a column added to a table
 * without a second list to keep in step; a cell that names itself (its own data-label) keeps its name.
 */
export function labelTableCells(root: ParentNode): void {
  for (const table of root.querySelectorAll<HTMLTableElement>('table.table')) {
    const names = [...(table.tHead?.rows[0]?.cells ?? [])].flatMap((cell) =>
      Array<string>(cell.colSpan).fill(cell.textContent?.trim() ?? ''),
    );
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          const name = names[column];
          if (name && cell.colSpan === 1 && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', name);
          column += cell.colSpan;
        }
      }
    }
  }
}

/**
 * Keeps the tables under `root` labelled as pages render, load and change rows; `deps` change when `root` is another
 * element (the console shows a loading screen first, and a new one per account).
 */
export function useTableLabels(root: RefObject<HTMLElement | null>, deps: unknown[]): void {
  useEffect(() => {
    const element = root.current;
    if (!element) return;
    labelTableCells(element);
    // Only tree changes: setting an attribute is not one, so labelling cannot wake the observer again.
    const observer = new MutationObserver(() => labelTableCells(element));
    observer.observe(element, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, deps);
}
