/**
 * MX look-ups for email domains: does the domain accept mail at all?
 *
 * Concurrency rule: at most `concurrency` look-ups wait on the resolver at once; further domains
 * queue in arrival order. Each domain is looked up once per checker: the first call starts the
 * query and every later or simultaneous call for that domain gets the same (cached) answer. The
 * cache holds every outcome, `unknown` included, so a domain whose server never answers costs
 * one timeout per import, not one per row. A checker is meant to live as long as one import.
 *
 * Outcomes:
 * - `found`   — MX records, or (RFC 5321 5.1 implicit MX) no MX but an A/AAAA record.
 * - `missing` — the domain does not exist (NXDOMAIN), has neither MX nor address records, or
 *               publishes a null MX (RFC 7505: "this domain accepts no mail").
 * - `unknown` — timeout, SERVFAIL, refused, network errors: we could not tell, so no warning
 *               should say the domain is bad.
 *
 * The resolver is a parameter (src/core does not import node:dns): pass a node:dns/promises
 * `Resolver`, ideally built with `{ timeout: timeoutMs, tries: 1 }` so that a query this checker
 * gave up on also ends in the resolver (the timeout frees the slot here, it cannot cancel the
 * query).
 */

export interface MxRecord {
  exchange: string;
  priority: number;
}

/** The part of node:dns/promises `Resolver` the checker uses. */
export interface MxResolver {
  resolveMx(domain: string): Promise<MxRecord[]>;
  /** Used for the implicit MX fallback when present. */
  resolve4?(domain: string): Promise<string[]>;
  resolve6?(domain: string): Promise<string[]>;
}

export type MxStatus = 'found' | 'missing' | 'unknown';

export interface MxResult {
  status: MxStatus;
  /** Mail exchanges by priority; for an implicit MX, the domain itself. */
  exchanges: string[];
  /** How the answer was reached: `mx`, `a` (implicit MX), `null_mx`, `nxdomain`, `no_records`, or
   *  the resolver error code / `timeout` for `unknown`. */
  detail: string;
}

export interface MxCheckerOptions {
  resolver: MxResolver;
  /** Per look-up (MX plus the A/AAAA fallback), in ms. Default 3000. */
  timeoutMs?: number;
  /** Look-ups in flight at once. Default 8. */
  concurrency?: number;
  /** Domains remembered (least recently used are forgotten first). Default 10,000. */
  cacheSize?: number;
  /** Fall back to A/AAAA when a domain has no MX (RFC 5321 implicit MX). Default true. */
  implicitMx?: boolean;
}

export interface MxChecker {
  /** Looks up one ASCII domain (lower-cased here). Never rejects. */
  check(domain: string): Promise<MxResult>;
  /** Looks up many domains (deduplicated), resolving when all are known. */
  checkAll(domains: Iterable<string>): Promise<Map<string, MxResult>>;
  /** The cached answer for a domain, without a look-up (for synchronous row validation). */
  cached(domain: string): MxResult | undefined;
  /** Look-ups actually sent to the resolver so far (cache misses). */
  readonly lookups: number;
}

// Resolver error codes (node:dns) that say "the name does not exist / has no such record".
const NOT_FOUND = new Set(['ENOTFOUND', 'NXDOMAIN']);
const NO_DATA = new Set(['ENODATA']);

class TimeoutError extends Error {}

/**
 * Creates an MX checker around an injectable resolver.
 *
 * @example
 * import { Resolver } from 'node:dns/promises';
 * const mx = createMxChecker({ resolver: new Resolver({ timeout: 3000, tries: 1 }) });
 * (await mx.check('gmail.com')).status // 'found'
 */
export function createMxChecker(options: MxCheckerOptions): MxChecker {
  const { resolver } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const cacheSize = Math.max(1, options.cacheSize ?? 10_000);
  const implicitMx = options.implicitMx ?? true;

  // Promises are cached (not results) so simultaneous calls for one domain share a look-up.
  const cache = new Map<string, Promise<MxResult>>();
  const settled = new Map<string, MxResult>();
  const waiting: (() => void)[] = [];
  let active = 0;
  let lookups = 0;

  const acquire = async (): Promise<void> => {
    if (active < concurrency) {
      active++;
      return;
    }
    // The slot is handed over by release(), so `active` stays counted across the hand-over.
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  const remember = (domain: string, result: Promise<MxResult>): void => {
    cache.set(domain, result);
    if (cache.size > cacheSize) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
      settled.delete(oldest);
    }
  };

  const lookUp = async (domain: string): Promise<MxResult> => {
    await acquire();
    lookups++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError()), timeoutMs);
      });
      return await Promise.race([query(resolver, domain, implicitMx), timeout]);
    } catch (err) {
      return unknownResult(err);
    } finally {
      clearTimeout(timer);
      release();
    }
  };

  const check = (raw: string): Promise<MxResult> => {
    const domain = raw.toLowerCase();
    const hit = cache.get(domain);
    if (hit) {
      // Refresh its place in the LRU order.
      cache.delete(domain);
      cache.set(domain, hit);
      return hit;
    }
    const pending = lookUp(domain).then((result) => {
      if (cache.get(domain) === pending) settled.set(domain, result);
      return result;
    });
    remember(domain, pending);
    return pending;
  };

  return {
    check,
    async checkAll(domains) {
      const unique = [...new Set([...domains].map((d) => d.toLowerCase()))];
      const results = await Promise.all(unique.map((d) => check(d)));
      return new Map(unique.map((d, i) => [d, results[i]!]));
    },
    cached: (domain) => settled.get(domain.toLowerCase()),
    get lookups() {
      return lookups;
    },
  };
}

async function query(resolver: MxResolver, domain: string, implicitMx: boolean): Promise<MxResult> {
  let records: MxRecord[] = [];
  try {
    records = await resolver.resolveMx(domain);
  } catch (err) {
    const code = errorCode(err);
    if (NOT_FOUND.has(code)) return { status: 'missing', exchanges: [], detail: 'nxdomain' };
    if (!NO_DATA.has(code)) throw err;
  }
  if (records.length > 0) {
    // RFC 7505 null MX: a single record whose exchange is the root ("." → "" in node:dns).
    if (records.length === 1 && (records[0]!.exchange === '' || records[0]!.exchange === '.')) {
      return { status: 'missing', exchanges: [], detail: 'null_mx' };
    }
    const exchanges = [...records].sort((a, b) => a.priority - b.priority).map((r) => r.exchange);
    return { status: 'found', exchanges, detail: 'mx' };
  }
  if (implicitMx) {
    for (const resolve of [resolver.resolve4, resolver.resolve6]) {
      if (!resolve) continue;
      try {
        const addresses = await resolve.call(resolver, domain);
        if (addresses.length > 0) return { status: 'found', exchanges: [domain], detail: 'a' };
      } catch (err) {
        const code = errorCode(err);
        if (!NOT_FOUND.has(code) && !NO_DATA.has(code)) throw err;
      }
    }
  }
  return { status: 'missing', exchanges: [], detail: 'no_records' };
}

function unknownResult(err: unknown): MxResult {
  const detail = err instanceof TimeoutError ? 'timeout' : errorCode(err) || 'error';
  return { status: 'unknown', exchanges: [], detail };
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return '';
}
