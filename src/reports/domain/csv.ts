/**
 * CSV (RFC 4180) that a spreadsheet opens as data, never as formulas: a cell that begins with
 * `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` (OWASP "CSV injection"),
 * and any cell with a comma, quote or line break is quoted with its quotes doubled.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows joined with CRLF, ending with one. */
export function toCsv(rows: readonly (readonly (string | number | null)[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
