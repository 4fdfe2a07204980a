import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMxChecker, type MxResolver } from './mx-checker.ts';

/**
 * A real DNS server on loopback (UDP), so that the checker runs against node:dns's own resolver:
 * - mx.test: two MX records; a-only.test: no MX but an A record (implicit MX);
 * - nullmx.test: RFC 7505 null MX; empty.test: exists, no records at all;
 * - slow*.test: MX, answered after 80 ms (to watch concurrency);
 * - servfail.test: SERVFAIL; blackhole.test: never answered; anything else: NXDOMAIN.
 */
interface Query {
  name: string;
  type: string;
}

class LoopbackDns {
  readonly queries: Query[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly socket = dgram.createSocket('udp4');

  async start(): Promise<number> {
    this.socket.on('message', (msg, rinfo) => this.answer(msg, rinfo));
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return (this.socket.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  reset(): void {
    this.queries.length = 0;
    this.inFlight = 0;
    this.maxInFlight = 0;
  }

  asked(name: string, type = 'MX'): number {
    return this.queries.filter((q) => q.name === name && q.type === type).length;
  }

  private answer(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const query = dnsPacket.decode(msg);
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    this.queries.push({ name, type: question.type });
    if (name === 'blackhole.test') return;

    const answers: dnsPacket.Answer[] = [];
    let rcode = 0; // NOERROR
    if (name === 'mx.test' && question.type === 'MX') {
      answers.push(
        { type: 'MX', name, ttl: 60, data: { preference: 20, exchange: 'mx2.mx.test' } },
        { type: 'MX', name, ttl: 60, data: { preference: 10, exchange: 'mx1.mx.test' } },
      );
    } else if (name.startsWith('slow') && question.type === 'MX') {
      answers.push({ type: 'MX', name, ttl: 60, data: { preference: 10, exchange: `mx.${name}` } });
    } else if (name === 'nullmx.test' && question.type === 'MX') {
      answers.push({ type: 'MX', name, ttl: 60, data: { preference: 0, exchange: '.' } });
    } else if (name === 'a-only.test' && question.type === 'A') {
      answers.push({ type: 'A', name, ttl: 60, data: '192.0.2.1' });
    } else if (name === 'servfail.test') {
      rcode = 2;
    } else if (!['mx.test', 'a-only.test', 'nullmx.test', 'empty.test'].includes(name)) {
      rcode = 3; // NXDOMAIN
    }
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      // QR is set by type: 'response'; RD copied, RA set, RCODE in the low four bits.
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: [question],
      answers,
    });
    const delay = name.startsWith('slow') ? 80 : 0;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    setTimeout(() => {
      this.inFlight--;
      this.socket.send(response, rinfo.port, rinfo.address);
    }, delay);
  }
}

const server = new LoopbackDns();
let port = 0;
const resolvers: Resolver[] = [];

function resolver(timeout = 1000): Resolver {
  const r = new Resolver({ timeout, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  resolvers.push(r);
  return r;
}

beforeAll(async () => {
  port = await server.start();
});
afterAll(async () => {
  for (const r of resolvers) r.cancel();
  await server.stop();
});
beforeEach(() => server.reset());

describe('createMxChecker against a loopback DNS server', () => {
  it('finds MX records, ordered by priority', async () => {
    const mx = createMxChecker({ resolver: resolver() });
    expect(await mx.check('MX.test')).toEqual({
      status: 'found',
      exchanges: ['mx1.mx.test', 'mx2.mx.test'],
      detail: 'mx',
    });
  });

  it('reports NXDOMAIN as missing', async () => {
    const mx = createMxChecker({ resolver: resolver() });
    expect(await mx.check('nowhere.test')).toEqual({
      status: 'missing',
      exchanges: [],
      detail: 'nxdomain',
    });
  });

  it('falls back to the A record when there is no MX (RFC 5321 implicit MX)', async () => {
    const mx = createMxChecker({ resolver: resolver() });
    expect(await mx.check('a-only.test')).toEqual({
      status: 'found',
      exchanges: ['a-only.test'],
      detail: 'a',
    });
    expect(server.asked('a-only.test', 'A')).toBe(1);
  });

  it('can be told not to fall back', async () => {
    const mx = createMxChecker({ resolver: resolver(), implicitMx: false });
    expect((await mx.check('a-only.test')).status).toBe('missing');
    expect(server.asked('a-only.test', 'A')).toBe(0);
  });

  it('reports a domain with no MX, A or AAAA as missing', async () => {
    const mx = createMxChecker({ resolver: resolver() });
    expect(await mx.check('empty.test')).toMatchObject({ status: 'missing', detail: 'no_records' });
    expect(server.asked('empty.test', 'AAAA')).toBe(1);
  });

  it('reports a null MX as missing', async () => {
    const mx = createMxChecker({ resolver: resolver() });
    expect(await mx.check('nullmx.test')).toMatchObject({ status: 'missing', detail: 'null_mx' });
  });

  it('reports SERVFAIL as unknown, not missing', async () => {
    const mx = createMxChecker({ resolver: resolver() });
    expect(await mx.check('servfail.test')).toMatchObject({ status: 'unknown' });
  });

  it('asks the server once per domain, for sequential and simultaneous checks', async () => {
    const mx = createMxChecker({ resolver: resolver() });
    await Promise.all([mx.check('mx.test'), mx.check('mx.test'), mx.check('Mx.Test')]);
    await mx.check('mx.test');
    expect((await mx.check('nowhere.test')).status).toBe('missing');
    expect((await mx.check('nowhere.test')).status).toBe('missing');
    expect(server.asked('mx.test')).toBe(1);
    expect(server.asked('nowhere.test')).toBe(1);
    expect(mx.lookups).toBe(2);
    expect(mx.cached('MX.TEST')?.status).toBe('found');
    expect(mx.cached('other.test')).toBeUndefined();
  });

  it('forgets the least recently used domain when the cache is full', async () => {
    const mx = createMxChecker({ resolver: resolver(), cacheSize: 2 });
    await mx.check('mx.test');
    await mx.check('a-only.test');
    await mx.check('mx.test'); // mx.test becomes the most recent
    await mx.check('nullmx.test'); // evicts a-only.test
    await mx.check('mx.test');
    await mx.check('a-only.test');
    expect(server.asked('mx.test')).toBe(1);
    expect(server.asked('a-only.test')).toBe(2);
  });

  it('keeps at most `concurrency` look-ups at the server at once', async () => {
    const mx = createMxChecker({ resolver: resolver(), concurrency: 2 });
    const domains = ['slow1.test', 'slow2.test', 'slow3.test', 'slow4.test', 'slow5.test'];
    const results = await mx.checkAll(domains);
    expect([...results.values()].every((r) => r.status === 'found')).toBe(true);
    expect(server.queries).toHaveLength(5);
    expect(server.maxInFlight).toBe(2);
  });

  it('turns a server that never answers into unknown after the timeout, and caches it', async () => {
    const mx = createMxChecker({ resolver: resolver(2000), timeoutMs: 150 });
    const started = Date.now();
    expect(await mx.check('blackhole.test')).toEqual({
      status: 'unknown',
      exchanges: [],
      detail: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    await mx.check('blackhole.test');
    expect(server.asked('blackhole.test')).toBe(1);
  });

  it('frees the slot of a timed-out look-up for the next domain', async () => {
    const mx = createMxChecker({ resolver: resolver(2000), timeoutMs: 150, concurrency: 1 });
    const [hole, found] = await Promise.all([mx.check('blackhole.test'), mx.check('mx.test')]);
    expect(hole.status).toBe('unknown');
    expect(found.status).toBe('found');
  });
});

describe('createMxChecker with a stub resolver', () => {
  it('turns a resolver that throws without a code into unknown', async () => {
    const stub: MxResolver = { resolveMx: () => Promise.reject(new Error('boom')) };
    expect(await createMxChecker({ resolver: stub }).check('x.test')).toEqual({
      status: 'unknown',
      exchanges: [],
      detail: 'error',
    });
  });
});
