/**
 * The URL with its password (and password-like query parameters) replaced by `***`, for
 * messages and logs.
 *
 * @example
 * redactUrl('postgres://roster:s3cret@db:5432/roster'); // 'postgres://roster:***@db:5432/roster'
 */
export function redactUrl(url: string): string {
  const schemeOnly = (): string => {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}//…` : '(unparseable URL)';
  };
  try {
    const u = new URL(url);
    // 'postgres:user:pw@host' (no //) parses as an opaque path that keeps the password in plain
    // text; only URLs with an authority part have a password field we can blank.
    if (!url.slice(u.protocol.length).startsWith('//')) return schemeOnly();
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|key|token/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    // Not parseable: show only the scheme so nothing secret can leak.
    return schemeOnly();
  }
}

/**
 * Removes the URL's password from a message that may quote it (some driver errors do).
 *
 * @example
 * redactPassword('bad url postgres://u:pw@h/db', 'postgres://u:pw@h/db'); // 'bad url postgres://u:***@h/db'
 */
export function redactPassword(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // An unparseable URL has no password we could find; redactUrl shows none of it anyway.
  }
  return password ? message.split(password).join('***') : message;
}
