/**
 * A list as aligned columns under a header row, for people reading a terminal (`--json` is for programs). Control
 * characters in a value (a name typed into the admin API, say) are shown escaped, so that a value can neither break
 * the row nor send escape sequences to the terminal.
 */
export function table(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(printable))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '))
    .join('\n');
}

// C0 controls, DEL and the C1 controls (CSI and friends start terminal escape sequences too).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this expression's job.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const printable = (value: string): string =>
  (value === '' ? '-' : value).replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
