/**
 * One suite for both object stores: the local folder store on a temporary folder, and the S3
 * store against s3rver (an S3-compatible server in Node) started on loopback by the suite.
 */
import { ListObjectsV2Command, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRosterError, RosterError, type ErrorCode } from '../../src/core/errors.ts';
import { createObjectStore } from '../../src/files/create-object-store.ts';
import { hashSource } from '../../src/files/hash-source.ts';
import { LocalFolderStore } from '../../src/files/local-folder-store.ts';
import type { ObjectStore } from '../../src/files/object-store.ts';
import { S3ObjectStore } from '../../src/files/s3-store.ts';
import { contentDisposition } from '../../src/files/signed-link.ts';

const SECRET = 'test-secret-0123456789abcdef';
const MB = 1024 * 1024;
const BIG = randomBytes(12 * MB);

/** s3rver ships no types; the slice of its API the suite uses. */
interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
}) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

interface Harness {
  store: ObjectStore;
  /** Every object (and, locally, every file, temporary ones included) under the store. */
  contents(): Promise<string[]>;
  /**
   * Bytes already handed to storage by a put in progress: in temporary files (local), in
   * uploaded parts since command number `since` (S3).
   */
  storedSoFar(since: number): Promise<number>;
  /** S3 only: the names of the commands the client sent. */
  commands: string[];
  close(): Promise<void>;
}

async function localHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'roster-files-'));
  const store = new LocalFolderStore(join(dir, 'files'), SECRET);
  return {
    store,
    commands: [],
    async storedSoFar() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      const temps = entries.filter((e) => e.isFile() && e.name.endsWith('.part'));
      const sizes = await Promise.all(temps.map((e) => stat(join(e.parentPath, e.name))));
      return sizes.reduce((sum, st) => sum + st.size, 0);
    },
    async contents() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(join(dir, 'files'), join(e.parentPath, e.name)))
        .sort();
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function s3Harness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'roster-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  const { port } = await server.run();
  const bucket = 'roster-test';
  const base = S3ObjectStore.fromConfig({
    bucket,
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });
  const client: S3Client = base.client;
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    store: base,
    commands,
    async storedSoFar(since) {
      // Parts are 5 MB; a part counts once its request has been sent.
      return commands.slice(since).filter((c) => c === 'UploadPartCommand').length * 5 * MB;
    },
    async contents() {
      const res = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (res.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function* chunked(bytes: Uint8Array, size = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<RosterError> {
  const err = await rejection(promise);
  expect(isRosterError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  return err as RosterError;
}

describe.each([
  { kind: 'local', open: localHarness },
  { kind: 's3', open: s3Harness },
])('$kind object store', ({ kind, open }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores and reads back a small body with its size and SHA-256', async () => {
    const body = Buffer.from('email,name\nana@example.com,Ana\n');
    const key = 'tenants/t1/uploads/small';
    const res = await h.store.put(key, chunked(body, 7), { contentType: 'text/csv' });
    expect(res).toEqual({ size: body.byteLength, sha256: sha256(body) });
    expect(await h.store.exists(key)).toBe(true);
    expect((await h.store.head(key)).size).toBe(body.byteLength);
    if (kind === 's3') expect((await h.store.head(key)).contentType).toBe('text/csv');
    const src = await h.store.source(key, 'contacts.csv');
    expect(src.name).toBe('contacts.csv');
    expect(src.size).toBe(body.byteLength);
    expect(await readAll(src.stream())).toEqual(body);
  });

  it('round-trips a 12 MB body from a Readable byte for byte (multipart on S3)', async () => {
    const key = 'tenants/t1/uploads/big';
    const commandsBefore = h.commands.length;
    const res = await h.store.put(key, Readable.from(chunked(BIG, 64 * 1024 + 3)));
    expect(res).toEqual({ size: BIG.byteLength, sha256: sha256(BIG) });
    if (kind === 's3') {
      const sent = h.commands.slice(commandsBefore);
      expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
      expect(sent).toContain('CompleteMultipartUploadCommand');
    }
    const src = await h.store.source(key, 'big.bin');
    expect(src.size).toBe(BIG.byteLength);
    // Each stream() reads the object again from the start.
    expect(await hashSource(src)).toEqual({ sha256: sha256(BIG), size: BIG.byteLength });
    expect((await readAll(src.stream())).equals(BIG)).toBe(true);
  });

  it('writes a body out while it is still arriving (no whole-body buffering)', async () => {
    const key = 'tenants/t1/uploads/streamed';
    let storedBeforeEnd = 0;
    const commandsBefore = h.commands.length;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield* chunked(BIG.subarray(0, 11 * MB));
      // Give the store a moment to write what it has, then look before sending the rest.
      await new Promise((r) => setTimeout(r, 200));
      storedBeforeEnd = await h.storedSoFar(commandsBefore);
      yield* chunked(BIG.subarray(11 * MB));
    }
    expect((await h.store.put(key, body())).size).toBe(BIG.byteLength);
    expect(storedBeforeEnd).toBeGreaterThanOrEqual(5 * MB);
    await h.store.delete(key);
  });

  it('stores an empty body', async () => {
    const key = 'tenants/t1/uploads/empty';
    expect(await h.store.put(key, chunked(Buffer.alloc(0)))).toEqual({
      size: 0,
      sha256: sha256(Buffer.alloc(0)),
    });
    expect(await readAll((await h.store.source(key, 'e.csv')).stream())).toHaveLength(0);
    await h.store.delete(key);
  });

  it('a source stream left early can be opened again', async () => {
    const src = await h.store.source('tenants/t1/uploads/big', 'big.bin');
    for await (const chunk of src.stream()) {
      expect(chunk.byteLength).toBeGreaterThan(0);
      break;
    }
    const again = await readAll(src.stream());
    expect(again.byteLength).toBe(BIG.byteLength);
  });

  it('accepts a body of exactly maxBytes', async () => {
    const key = 'tenants/t1/uploads/exact';
    const res = await h.store.put(key, chunked(Buffer.alloc(100, 1), 30), { maxBytes: 100 });
    expect(res.size).toBe(100);
    await h.store.delete(key);
  });

  it.each([
    { name: 'a small body', bytes: 1000, maxBytes: 999 },
    { name: 'a body past one multipart part', bytes: 12 * MB, maxBytes: 7 * MB },
  ])(
    'stops reading $name over maxBytes with FILE_TOO_LARGE, leaving nothing',
    async ({ bytes, maxBytes }) => {
      const before = await h.contents();
      const key = 'tenants/t1/uploads/too-large';
      let produced = 0;
      const chunk = 64 * 1024;
      async function* body(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < bytes; i += chunk) {
          const part = BIG.subarray(i, Math.min(i + chunk, bytes));
          produced += part.byteLength;
          yield part;
        }
      }
      const err = await expectCode(h.store.put(key, body(), { maxBytes }), 'FILE_TOO_LARGE');
      expect(err.details).toMatchObject({ maxBytes });
      // It stopped at the chunk that crossed the limit instead of reading the rest.
      expect(produced).toBeLessThanOrEqual(maxBytes + chunk);
      expect(await h.store.exists(key)).toBe(false);
      expect(await h.contents()).toEqual(before);
    },
  );

  it('destroys a Readable body that runs over maxBytes', async () => {
    const body = Readable.from(chunked(BIG, 64 * 1024));
    await expectCode(
      h.store.put('tenants/t1/uploads/too-large-readable', body, { maxBytes: MB }),
      'FILE_TOO_LARGE',
    );
    expect(body.destroyed).toBe(true);
  });

  it.each([
    { name: 'early', bytes: 100 },
    { name: 'after a whole multipart part', bytes: 6 * MB },
  ])('leaves nothing when the body fails $name', async ({ bytes }) => {
    const before = await h.contents();
    const key = 'tenants/t1/uploads/broken';
    const failure = new Error('connection reset by peer');
    async function* body(): AsyncGenerator<Uint8Array> {
      yield* chunked(BIG.subarray(0, bytes));
      throw failure;
    }
    const commandsBefore = h.commands.length;
    expect(await rejection(h.store.put(key, body()))).toBe(failure);
    expect(await h.store.exists(key)).toBe(false);
    expect(await h.contents()).toEqual(before);
    if (kind === 's3' && bytes > 5 * MB) {
      // The multipart upload was started and then abandoned. (s3rver cannot abort one and
      // answers 405; the original error still wins.)
      const sent = h.commands.slice(commandsBefore);
      expect(sent).toContain('CreateMultipartUploadCommand');
      expect(sent).toContain('AbortMultipartUploadCommand');
      expect(sent).not.toContain('CompleteMultipartUploadCommand');
    }
  });

  it('keeps the previous object when replacing it fails', async () => {
    const key = 'tenants/t1/uploads/replace';
    const old = Buffer.from('old content');
    await h.store.put(key, chunked(old));
    await expectCode(
      h.store.put(key, chunked(Buffer.alloc(50)), { maxBytes: 20 }),
      'FILE_TOO_LARGE',
    );
    expect(await readAll((await h.store.source(key, 'r.csv')).stream())).toEqual(old);
    const next = Buffer.from('new content, longer');
    await h.store.put(key, chunked(next));
    expect(await readAll((await h.store.source(key, 'r.csv')).stream())).toEqual(next);
    await h.store.delete(key);
  });

  it('reports a missing key as NOT_FOUND', async () => {
    const key = 'tenants/t1/uploads/missing';
    await expectCode(h.store.source(key, 'x.csv'), 'NOT_FOUND');
    await expectCode(h.store.head(key), 'NOT_FOUND');
    expect(await h.store.exists(key)).toBe(false);
  });

  it('deletes idempotently', async () => {
    const key = 'tenants/t1/uploads/delete-me';
    await h.store.put(key, chunked(Buffer.from('x')));
    await h.store.delete(key);
    expect(await h.store.exists(key)).toBe(false);
    await h.store.delete(key);
    await h.store.delete('tenants/t1/never/existed');
    expect(await h.store.exists(key)).toBe(false);
  });

  it('streams a 12 MB export through openWriter with backpressure', async () => {
    const key = 'tenants/t1/exports/e1.csv';
    const out = h.store.openWriter(key, { contentType: 'text/csv' });
    let waits = 0;
    for (let i = 0; i < BIG.byteLength; i += 100_000) {
      if (!out.sink.write(BIG.subarray(i, i + 100_000))) {
        waits++;
        await new Promise<void>((r) => out.sink.once('drain', r));
      }
    }
    out.sink.end();
    expect(await out.done()).toEqual({ size: BIG.byteLength });
    expect(waits).toBeGreaterThan(0);
    const src = await h.store.source(key, 'e1.csv');
    expect(await hashSource(src)).toEqual({ sha256: sha256(BIG), size: BIG.byteLength });
    if (kind === 's3') expect((await h.store.head(key)).contentType).toBe('text/csv');
  });

  it('stores nothing when a writer is aborted', async () => {
    const before = await h.contents();
    const key = 'tenants/t1/exports/aborted.csv';
    const out = h.store.openWriter(key);
    out.sink.write(BIG.subarray(0, 6 * MB));
    const reason = new Error('export cancelled');
    await out.abort(reason);
    expect(await rejection(out.done())).toBe(reason);
    expect(await h.store.exists(key)).toBe(false);
    expect(await h.contents()).toEqual(before);
  });

  it.each([
    '../escape',
    'tenants/../../escape',
    'tenants/./x',
    '/etc/passwd',
    'tenants\\t1\\x',
    'tenants/t1/a\u0000b',
    'tenants//x',
    '',
    'tenants/.hidden',
  ])('refuses the key %j', async (key) => {
    const before = await h.contents();
    await expectCode(h.store.put(key, chunked(Buffer.from('x'))), 'KEY_INVALID');
    await expectCode(h.store.source(key, 'x'), 'KEY_INVALID');
    await expectCode(h.store.head(key), 'KEY_INVALID');
    await expectCode(h.store.delete(key), 'KEY_INVALID');
    await expectCode(
      h.store.signedUrl(key, { expiresInSeconds: 60, fileName: 'x' }),
      'KEY_INVALID',
    );
    expect(() => h.store.openWriter(key)).toThrow(RosterError);
    expect(await h.contents()).toEqual(before);
  });

  it('refuses link lifetimes outside 1 s to 7 days', async () => {
    for (const expiresInSeconds of [0, -5, 1.5, 8 * 24 * 3600]) {
      await expectCode(
        h.store.signedUrl('tenants/t1/uploads/small', { expiresInSeconds, fileName: 'a.csv' }),
        'OPTION_INVALID',
      );
    }
  });

  if (kind === 's3') {
    it('gives a presigned URL that downloads the bytes under the file name', async () => {
      const key = 'tenants/t1/exports/e1.csv';
      const fileName = 'Käufer Liste "2024".csv';
      const url = await h.store.signedUrl(key, {
        expiresInSeconds: 300,
        fileName,
        contentType: 'text/csv; charset=utf-8',
      });
      expect(url).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/roster-test\/tenants\/t1\/exports\/e1\.csv\?/,
      );
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(contentDisposition(fileName));
      expect(res.headers.get('content-disposition')).toContain(
        "filename*=UTF-8''K%C3%A4ufer%20Liste%20%222024%22.csv",
      );
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(BIG));
    });

    // s3rver does not check SigV4 signatures (so no tampering test here), but it does check
    // the expiry signed into the URL. X-Amz-Date is in whole seconds, so a 2 s link lives 1-2 s.
    it('a presigned URL stops working after its lifetime', async () => {
      const url = await h.store.signedUrl('tenants/t1/uploads/small', {
        expiresInSeconds: 2,
        fileName: 'a.csv',
      });
      expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('2');
      expect((await fetch(url)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 3100));
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('Request has expired');
    });
  }

  if (kind === 'local') {
    it('gives a signed /api/files/ link whose token grants exactly that file', async () => {
      const store = h.store as LocalFolderStore;
      const key = 'tenants/t1/exports/e1.csv';
      const url = await store.signedUrl(key, {
        expiresInSeconds: 300,
        fileName: 'Käufer.csv',
        contentType: 'text/csv',
      });
      expect(url).toMatch(/^\/api\/files\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      const token = url.slice('/api/files/'.length);
      const link = store.verifyLink(token);
      expect(link).toMatchObject({ key, fileName: 'Käufer.csv', contentType: 'text/csv' });
      expect(link.expiresAt).toBeGreaterThan(Date.now() + 290_000);
      const src = await store.source(link.key, link.fileName);
      expect(await hashSource(src)).toEqual({ sha256: sha256(BIG), size: BIG.byteLength });

      // Tampered payload or signature, or another server's secret: invalid.
      const [payload, signature] = token.split('.') as [string, string];
      const otherPayload = Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
          k: 'tenants/t2/exports/e1.csv',
        }),
      ).toString('base64url');
      expect(() => store.verifyLink(`${otherPayload}.${signature}`)).toThrow(
        expect.objectContaining({ code: 'LINK_INVALID' }),
      );
      const flipped = signature.startsWith('A')
        ? `B${signature.slice(1)}`
        : `A${signature.slice(1)}`;
      expect(() => store.verifyLink(`${payload}.${flipped}`)).toThrow(
        expect.objectContaining({ code: 'LINK_INVALID' }),
      );
      const other = new LocalFolderStore(store.root, 'another-secret-0123456789');
      expect(() => other.verifyLink(token)).toThrow(
        expect.objectContaining({ code: 'LINK_INVALID' }),
      );
      // Past its expiry: expired.
      expect(() => store.verifyLink(token, Date.now() + 301_000)).toThrow(
        expect.objectContaining({ code: 'LINK_EXPIRED' }),
      );
    });

    it('keeps files inside its root folder, without temporary files left over', async () => {
      const files = await h.contents();
      expect(files.every((f) => f.startsWith('tenants/'))).toBe(true);
      expect(files.some((f) => f.includes('.part'))).toBe(false);
    });
  }
});

describe('createObjectStore', () => {
  it('picks a local folder under the data directory without a bucket', () => {
    const store = createObjectStore({ dataDir: '/srv/roster', signingSecret: SECRET });
    expect(store).toBeInstanceOf(LocalFolderStore);
    expect((store as LocalFolderStore).root).toBe('/srv/roster/files');
    const blank = createObjectStore({
      dataDir: '/srv/roster',
      signingSecret: SECRET,
      s3: { bucket: '' },
    });
    expect(blank.kind).toBe('local');
  });

  it('picks S3 when a bucket is set', async () => {
    const store = createObjectStore({
      dataDir: '/srv/roster',
      signingSecret: SECRET,
      s3: { bucket: 'roster-files', region: 'eu-west-1', endpoint: '', accessKeyId: '' },
    });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect((store as S3ObjectStore).bucket).toBe('roster-files');
    const client = (store as S3ObjectStore).client;
    expect(await client.config.region()).toBe('eu-west-1');
    // Blank settings count as unset: AWS's own endpoint, not an empty one.
    const endpoint = await client.config.endpointProvider(
      { Region: 'eu-west-1', Bucket: 'roster-files' },
      {},
    );
    expect(endpoint.url.hostname).toBe('roster-files.s3.eu-west-1.amazonaws.com');
  });

  it('refuses a short signing secret and half-set S3 credentials', () => {
    expect(() => createObjectStore({ dataDir: '/srv/roster', signingSecret: 'short' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() =>
      createObjectStore({
        dataDir: '/srv/roster',
        signingSecret: SECRET,
        s3: { bucket: 'b', accessKeyId: 'id' },
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
