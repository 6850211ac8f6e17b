/**
 * A phone number reduced to what identifies it: digits with a leading "+" when an
 * international prefix was given ("+86 138-1234-5678" → "+8613812345678", "(030) 1234" → "0301234").
 * Returns null when fewer than 5 digits remain (not a phone number).
 */
export function normalizePhone(raw: string): string | null {
  // NFKC: a Chinese input method may type full-width digits (１３８…).
  const trimmed = raw.normalize('NFKC').trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 5) return null;
  if (trimmed.startsWith('+')) return `+${digits}`;
  if (trimmed.startsWith('00')) return `+${digits.slice(2)}`;
  return digits;
}
