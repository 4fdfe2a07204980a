/**
 * Random secrets and their hashes, for API keys and session cookies. These secrets carry 256
 * bits of randomness, so a fast hash (SHA-256) is enough to store them: nothing can be guessed
 * that a slow hash would protect.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness in a secret (256 bits). */
export const SECRET_BYTES = 32;

/**
 * A new random secret, base64url (43 characters for 32 bytes).
 *
 * @example
 * const secret = randomSecret(); // 'mB0h8p3Yc...'
 */
export function randomSecret(bytes: number = SECRET_BYTES): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of a secret, hex: what is stored in place of the secret.
 *
 * @example
 * const keyHash = sha256Hex(key);
 */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares two hex hashes in constant time (for their length).
 *
 * @example
 * if (!sameHash(sha256Hex(secret), row.secret_hash)) return null;
 */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `s` is a UUID in its usual text form (checked before it reaches a uuid column, where
 * a malformed one would be a database error rather than "no such row").
 *
 * @example
 * isUuid('0b6f4b1e-6a53-4c8e-9d2e-1c3a1f5d7e90'); // true
 */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
