/**
 * Invite codes (`/rapport invite`, `/rapport claim`): ten symbols of Crockford's base 32
 * (no I, L, O, U), 50 random bits, shown as `ABCDE-FGHJK`. People read them out and retype
 * them, so case, spaces and dashes do not matter, and O/I/L read as 0/1.
 */
export const INVITE_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const INVITE_CODE_LENGTH = 10;

/** How long a code works after it is issued. */
export const INVITE_VALID_HOURS = 24;

/**
 * Wrong codes one chat user may type per hour. With 2^50 possible codes and at most a few
 * hundred valid at a time, 5 guesses an hour leave an attacker about one chance in 10^10 a
 * day per account.
 */
export const CLAIM_FAILURES_PER_HOUR = 5;

/** The code in its canonical form (10 symbols), or null when it cannot be one. */
export function normalizeInviteCode(text: string): string | null {
  const code = text
    .toUpperCase()
    .replace(/[\s\-_]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (code.length !== INVITE_CODE_LENGTH) return null;
  return [...code].every((c) => INVITE_CODE_ALPHABET.includes(c)) ? code : null;
}

/** `ABCDEFGHJK` → `ABCDE-FGHJK`, easier to read out. */
export function formatInviteCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}
