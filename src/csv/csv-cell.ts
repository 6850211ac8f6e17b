/**
 * Every CSV Rapport writes (the import's rejects file, the scores export, and any export to come)
 * goes through `csvCell`: spreadsheet programs run a cell that starts with = + - @, a tab or a
 * carriage return as a formula (CSV injection, OWASP), so such a cell gets a leading apostrophe,
 * which Excel and LibreOffice show as text. Plain numbers (-399, +1.5) are no formula and stay as
 * they are. The importer drops that apostrophe again (`withoutFormulaEscape`), so a rejects file
 * can be fixed and imported as it is.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const ESCAPE = "'";

/** A cell's text with the formula escape applied where it is needed. */
export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `${ESCAPE}${text}` : text;
}

/** Undoes `escapeFormula` on a cell read back (an apostrophe before one of the formula characters). */
export function withoutFormulaEscape(text: string): string {
  return text.charCodeAt(0) === 39 && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

/** One CSV field: formula-escaped, then quoted (RFC 4180) when it holds the delimiter, a quote or a line break. */
export function csvCell(value: string | number | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  const text = escapeFormula(String(value));
  return text.includes('"') || text.includes(delimiter) || /[\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole CSV line (without its line break). */
export function csvLine(values: readonly (string | number | null | undefined)[], delimiter = ','): string {
  return values.map((value) => csvCell(value, delimiter)).join(delimiter);
}
