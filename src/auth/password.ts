/**
 * Password hashing with scrypt (node:crypto). A stored hash names its own parameters
 * (`scrypt$N$r$p$salt$hash`, salt and hash in base64url), so the cost can be raised later
 * without breaking the hashes already stored: `needsRehash` tells when to re-hash at sign-in.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { RosterError } from '../core/errors.ts';

/** Shortest password accepted for a new password. */
export const PASSWORD_MIN_LENGTH = 10;
/** Longest password accepted (a bound on the work one sign-in attempt can ask for). */
export const PASSWORD_MAX_LENGTH = 1024;

/** Cost parameters of new hashes: N=2^15, r=8 uses 32 MiB and about 50-100 ms per hash. */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;

const SALT_BYTES = 16;
const KEY_BYTES = 32;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/**
 * Throws RosterError('PASSWORD_WEAK') when a new password breaks the length policy.
 *
 * @example
 * checkPasswordPolicy('correct horse battery'); // fine
 * checkPasswordPolicy('short'); // throws PASSWORD_WEAK
 */
export function checkPasswordPolicy(password: string): void {
  // Counted in code points, so a password of emoji is not judged by its UTF-16 length.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new RosterError(
      'PASSWORD_WEAK',
      `A password needs at least ${PASSWORD_MIN_LENGTH} characters (this one has ${length})`,
      { minLength: PASSWORD_MIN_LENGTH },
    );
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new RosterError(
      'PASSWORD_WEAK',
      `A password can have at most ${PASSWORD_MAX_LENGTH} characters`,
      { maxLength: PASSWORD_MAX_LENGTH },
    );
  }
}

/**
 * Hashes a new password (after checking the policy) into `scrypt$N$r$p$salt$hash`.
 *
 * @example
 * const stored = await hashPassword('correct horse battery'); // 'scrypt$32768$8$1$...$...'
 */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, KEY_BYTES, N, r, p);
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/**
 * True when `password` matches `stored`. With `stored` null or unreadable (no such user, no
 * password set) it still spends the time of one hash and returns false, so the answer time does
 * not tell whether an account exists.
 *
 * @example
 * if (await verifyPassword(user?.password_hash ?? null, attempt)) signIn(user);
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  // Overlong attempts are hashed up to the limit only: the time spent stays bounded.
  const attempt = password.length > PASSWORD_MAX_LENGTH * 2 ? '' : password;
  if (!parsed) {
    const dummy = await dummyHash();
    await scryptAsync(attempt, dummy.salt, KEY_BYTES, dummy.N, dummy.r, dummy.p);
    return false;
  }
  const hash = await scryptAsync(
    attempt,
    parsed.salt,
    parsed.hash.length,
    parsed.N,
    parsed.r,
    parsed.p,
  );
  return timingSafeEqual(hash, parsed.hash) && attempt === password;
}

/**
 * True when `stored` was made with other parameters than new hashes use (hash again at the next
 * successful sign-in).
 *
 * @example
 * if (await verifyPassword(h, pw) && needsRehash(h)) await setPassword(db, tenantId, id, pw);
 */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  const { N, r, p } = SCRYPT_PARAMS;
  return !parsed || parsed.N !== N || parsed.r !== r || parsed.p !== p;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const hash = Buffer.from(parts[5] ?? '', 'base64url');
  if (N === undefined || r === undefined || p === undefined) return null;
  // Power of two, and bounded: a tampered row must not make one sign-in take gigabytes.
  const sane =
    Number.isInteger(N) &&
    N > 1 &&
    (N & (N - 1)) === 0 &&
    N <= 2 ** 20 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16;
  if (!sane || salt.length < 8 || hash.length < 16) return null;
  return { N, r, p, salt, hash };
}

let dummy: Promise<ParsedHash> | undefined;

/** A hash of nothing with the current parameters, made once, for attempts on no account. */
function dummyHash(): Promise<ParsedHash> {
  dummy ??= (async () => {
    const { N, r, p } = SCRYPT_PARAMS;
    const salt = randomBytes(SALT_BYTES);
    return { N, r, p, salt, hash: await scryptAsync('', salt, KEY_BYTES, N, r, p) };
  })();
  return dummy;
}

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  N: number,
  r: number,
  p: number,
): Promise<Buffer> {
  // Node refuses a cost above maxmem (32 MiB by default): allow what N and r need, plus slack.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
