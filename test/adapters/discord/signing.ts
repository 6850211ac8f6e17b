import crypto, { type KeyObject } from 'node:crypto';

/** The test application's key pair: Discord signs every interaction it POSTs with the private half. */
export const APPLICATION_KEYS = crypto.generateKeyPairSync('ed25519');

/** The application's public key as the developer portal shows it: 32 raw bytes in hex. */
export const PUBLIC_KEY_HEX = APPLICATION_KEYS.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');

/** Headers of a request Discord signed at `at` (Ed25519 over timestamp + body). */
export function signed(body: string, at: Date, privateKey: KeyObject = APPLICATION_KEYS.privateKey): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = crypto.sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp };
}
