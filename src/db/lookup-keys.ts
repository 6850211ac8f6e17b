/**
 * What a typed key can be on both engines. A key no row can hold names no row; PostgreSQL would
 * fail the query instead of finding nothing, so such keys are answered before any query.
 */

/** The largest id of an autoincrement key on both engines: PostgreSQL's are 32-bit integers (SERIAL). */
export const MAX_ROW_ID = 2_147_483_647;

/** Whether a number, typically typed by someone, can be a row's id (PostgreSQL: "out of range for type integer"). */
export function isRowId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= MAX_ROW_ID;
}

/** Whether text can be stored at all: PostgreSQL's text holds no NUL ("invalid byte sequence for encoding UTF8: 0x00"). */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000');
}
