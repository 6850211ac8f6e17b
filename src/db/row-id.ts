/** The largest id of an autoincrement key on both engines: PostgreSQL's are 32-bit integers (SERIAL). */
export const MAX_ROW_ID = 2_147_483_647;

/**
 * Whether a number, typically typed by someone, can be a row's id. A larger one names no row, and
 * PostgreSQL refuses to compare it with an integer column (out of range) rather than find nothing.
 */
export function isRowId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= MAX_ROW_ID;
}
