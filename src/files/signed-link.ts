/**
 * Short-lived download links for the local folder store, and the Content-Disposition header both
 * stores send with a download.
 *
 * A token is `<payload>.<signature>`, both base64url: the payload is JSON with the key, the file
 * name, the content type and the expiry (Unix seconds); the signature is HMAC-SHA256 over the
 * encoded payload with the server's secret. Nothing is stored: a link is valid exactly when its
 * signature matches and it has not expired, so links cannot be revoked before they expire; keep
 * them short-lived.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RosterError } from '../core/errors.ts';
import { checkObjectKey } from './object-store.ts';

export interface SignedLink {
  key: string;
  fileName: string;
  contentType?: string;
  /** Expiry, Unix milliseconds. */
  expiresAt: number;
}

interface Payload {
  k: string;
  n: string;
  c?: string;
  e: number;
}

/** Shorter secrets are guessable offline from a single link. */
export const MIN_SECRET_LENGTH = 16;

/**
 * Throws CONFIG_INVALID unless the signing secret is long enough.
 *
 * @example
 * checkSigningSecret(process.env.ROSTER_SECRET ?? '');
 */
export function checkSigningSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new RosterError(
      'CONFIG_INVALID',
      `The link signing secret must be at least ${MIN_SECRET_LENGTH} characters long`,
      { minLength: MIN_SECRET_LENGTH },
    );
  }
}

/**
 * Signs a download link token.
 *
 * @example
 * const token = signLinkToken(
 *   { key: 'tenants/1/exports/9.csv', fileName: 'contacts.csv', expiresAt: Date.now() + 300_000 },
 *   secret,
 * );
 */
export function signLinkToken(link: SignedLink, secret: string): string {
  checkSigningSecret(secret);
  checkObjectKey(link.key);
  const payload: Payload = { k: link.key, n: link.fileName, e: Math.floor(link.expiresAt / 1000) };
  if (link.contentType !== undefined) payload.c = link.contentType;
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${encoded}.${mac(encoded, secret).toString('base64url')}`;
}

/**
 * Checks a token made by `signLinkToken` and returns what it grants. Throws LINK_INVALID for a
 * malformed or tampered token (or one signed with another secret), LINK_EXPIRED once it is past
 * its expiry. The signature is checked first, so an expired link is only reported as expired
 * when it is genuine.
 *
 * @example
 * const { key, fileName, contentType } = verifySignedToken(request.params.token, secret);
 */
export function verifySignedToken(token: string, secret: string, now = Date.now()): SignedLink {
  checkSigningSecret(secret);
  const invalid = (why: string): never => {
    throw new RosterError('LINK_INVALID', `This download link is not valid (${why})`);
  };
  const parts = token.split('.');
  if (parts.length !== 2) return invalid('malformed');
  const [encoded, signature] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(encoded) || !/^[A-Za-z0-9_-]+$/.test(signature)) {
    return invalid('malformed');
  }
  const expected = mac(encoded, secret);
  const given = Buffer.from(signature, 'base64url');
  // The length of an HMAC is public; only the bytes must be compared in constant time.
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
    return invalid('bad signature');
  }
  const payload = parsePayload(Buffer.from(encoded, 'base64url').toString('utf8'));
  if (payload === undefined) return invalid('malformed payload');
  const expiresAt = payload.e * 1000;
  if (now >= expiresAt) {
    throw new RosterError('LINK_EXPIRED', 'This download link has expired; ask for a new one', {
      expiredAt: new Date(expiresAt).toISOString(),
    });
  }
  const link: SignedLink = { key: payload.k, fileName: payload.n, expiresAt };
  if (payload.c !== undefined) link.contentType = payload.c;
  return link;
}

/**
 * A `Content-Disposition: attachment` value for a file name (RFC 6266): a plain ASCII
 * `filename` for old clients and, when the name has anything else, an RFC 5987 `filename*` in
 * UTF-8 that current browsers prefer.
 *
 * @example
 * contentDisposition('Käufer.csv');
 * // attachment; filename="K_ufer.csv"; filename*=UTF-8''K%C3%A4ufer.csv
 */
export function contentDisposition(fileName: string): string {
  // Path separators and control characters have no business in a saved file's name.
  // eslint-disable-next-line no-control-regex
  const name = fileName.replace(/[\u0000-\u001f\u007f/\\]/g, '_') || 'download';
  const ascii = name.replace(/[^\x20-\x7e]|["%]/g, '_');
  if (ascii === name) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function mac(encodedPayload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(encodedPayload).digest();
}

function parsePayload(json: string): Payload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { k, n, c, e } = value as Record<string, unknown>;
  if (typeof k !== 'string' || typeof n !== 'string' || typeof e !== 'number') return undefined;
  if (c !== undefined && typeof c !== 'string') return undefined;
  if (!Number.isSafeInteger(e)) return undefined;
  return c === undefined ? { k, n, e } : { k, n, c, e };
}
