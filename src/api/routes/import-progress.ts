/**
 * Live progress of an import as Server-Sent Events: `event: progress` about twice a second while
 * it waits or runs, then one `event: done` with its summary, and the stream ends.
 *
 * The stream polls the import's row rather than listening to the worker: workers write the
 * counters with every batch, so this works whichever process (or machine) runs the import. The
 * rate is taken over the last few seconds of samples, so it follows the import's current speed.
 *
 * Concurrency rule: one poller per import in this process (ProgressFeeds), however many streams
 * follow it; each event is read and serialised once and written to every stream. A poller stops
 * when its last stream closes or its import has ended.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { countersOf } from '../../store/import-journal.ts';
import { getImport } from '../../store/imports.ts';
import type { Database, ImportRow, ImportStatus } from '../../store/schema.ts';
import type { App, AppDeps } from '../app.ts';
import { principalOf } from '../principal.ts';
import { ERRORS, IdParams } from '../schemas/common.ts';
import { countersJson, importJson } from './imports.ts';

/** How often the import's row is read. */
export const PROGRESS_INTERVAL_MS = 500;

/** The window the rate is measured over. */
const RATE_WINDOW_MS = 5000;

/** Statuses in which an import may still change on its own. */
const LIVE: readonly ImportStatus[] = ['uploaded', 'queued', 'running', 'rolling_back'];

export function registerImportProgressRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;
  const feeds = new ProgressFeeds(db, app.log);
  // Open streams would keep the server from closing until their imports end.
  app.addHook('preClose', async () => feeds.close());

  app.get(
    '/imports/:id/progress',
    {
      schema: {
        tags: ['imports'],
        summary: 'Live progress (text/event-stream): `progress` events, then one `done` event',
        params: IdParams,
        produces: ['text/event-stream'],
        response: { ...ERRORS },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      // Looked up before the stream starts: an unknown id is an ordinary 404.
      const job = await getImport(db, tenantId, request.params.id);
      reply.hijack();
      const res = reply.raw;
      // Headers set by hooks (security headers) are kept.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) res.setHeader(name, value);
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      await new Promise<void>((resolve) => {
        let unsubscribe = (): void => undefined;
        const end = (): void => {
          unsubscribe();
          res.off('close', end);
          if (!res.writableEnded) res.end();
          resolve();
        };
        // The response's close, not the request's: a request "closes" once its body is read.
        res.on('close', end);
        unsubscribe = feeds.follow(tenantId, job, (event) => {
          if (!res.writableEnded) res.write(event.text);
          if (event.last) end();
        });
      });
    },
  );
}

/** One event as written to the stream; `last` ends it. */
export interface FeedEvent {
  text: string;
  last: boolean;
}

type Follower = (event: FeedEvent) => void;

interface Feed {
  followers: Set<Follower>;
  samples: { at: number; rows: number }[];
}

/**
 * The pollers of one process, one per followed import.
 *
 * @example
 * const feeds = new ProgressFeeds(db, app.log);
 * const stop = feeds.follow(tenantId, job, (e) => res.write(e.text));
 */
export class ProgressFeeds {
  readonly #db: Kysely<Database>;
  readonly #log: FastifyBaseLogger;
  readonly #feeds = new Map<string, Feed>();
  #closed = false;

  constructor(db: Kysely<Database>, log: FastifyBaseLogger) {
    this.#db = db;
    this.#log = log;
  }

  /** Imports polled right now. */
  get polling(): number {
    return this.#feeds.size;
  }

  /**
   * Sends `job`'s state to `follower` at once, then every event of the import's poller until
   * the `last` one (`done`, `error`, or the server closing). Returns the unsubscribe function.
   */
  follow(tenantId: string, job: ImportRow, follower: Follower): () => void {
    if (!LIVE.includes(job.status)) {
      follower(doneEvent(job));
      return () => undefined;
    }
    if (this.#closed) {
      // The server is stopping: end the stream without `done`, so the client connects again.
      follower({ text: '', last: true });
      return () => undefined;
    }
    const key = `${tenantId}/${job.id}`;
    let feed = this.#feeds.get(key);
    if (!feed) {
      const created: Feed = { followers: new Set(), samples: [] };
      this.#feeds.set(key, created);
      void this.#poll(key, tenantId, job.id, created);
      feed = created;
    }
    follower({ text: eventText('progress', progressOf(job, feed.samples)), last: false });
    const followers = feed.followers;
    followers.add(follower);
    return () => void followers.delete(follower);
  }

  /** Ends every stream (the server is stopping); pollers stop at their next turn. */
  close(): void {
    this.#closed = true;
    for (const [key, feed] of this.#feeds) {
      this.#feeds.delete(key);
      for (const f of feed.followers) f({ text: '', last: true });
    }
  }

  async #poll(key: string, tenantId: string, importId: string, feed: Feed): Promise<void> {
    // A feed leaves the map in the same turn as it decides to stop, so a stream that arrives
    // later starts a new one instead of joining one that will never send again.
    const stop = (event: FeedEvent): void => {
      if (this.#feeds.get(key) === feed) this.#feeds.delete(key);
      for (const f of feed.followers) f(event);
    };
    try {
      for (;;) {
        await sleep(PROGRESS_INTERVAL_MS);
        if (this.#feeds.get(key) !== feed) return;
        if (feed.followers.size === 0) return stop({ text: '', last: true });
        const job = await getImport(this.#db, tenantId, importId);
        if (this.#feeds.get(key) !== feed) return;
        if (!LIVE.includes(job.status)) return stop(doneEvent(job));
        const event = { text: eventText('progress', progressOf(job, feed.samples)), last: false };
        for (const f of feed.followers) f(event);
      }
    } catch (err) {
      this.#log.error({ err, importId }, 'progress stream failed');
      stop({
        text: eventText('error', {
          code: 'INTERNAL',
          message: 'Progress is not available; reload the page',
        }),
        last: true,
      });
    }
  }
}

function doneEvent(job: ImportRow): FeedEvent {
  return {
    text: eventText('done', { ...importJson(job), summary: countersJson(countersOf(job)) }),
    last: true,
  };
}

function eventText(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** One `progress` event; `samples` keeps the recent (time, rows) pairs between calls. */
export function progressOf(
  job: ImportRow,
  samples: { at: number; rows: number }[],
  now: number = Date.now(),
) {
  samples.push({ at: now, rows: job.rows_processed });
  while (samples.length > 2 && now - samples[0]!.at > RATE_WINDOW_MS) samples.shift();
  const first = samples[0]!;
  const seconds = (now - first.at) / 1000;
  const rate = seconds > 0 ? Math.max(0, (job.rows_processed - first.rows) / seconds) : 0;
  const total = job.rows_total;
  const left = total === null ? null : Math.max(0, total - job.rows_processed);
  return {
    id: job.id,
    status: job.status,
    rowsProcessed: job.rows_processed,
    rowsTotal: total,
    percent: total ? Math.min(100, Math.round((job.rows_processed / total) * 1000) / 10) : null,
    rate: Math.round(rate),
    etaSeconds: left === null || rate <= 0 ? null : Math.ceil(left / rate),
    counters: countersJson(countersOf(job)),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
