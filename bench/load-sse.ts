/**
 * Server-Sent Events clients of the load test: each follows GET /api/imports/:id/progress for
 * the whole import. A stream is not a request/response a load generator can time, so each
 * client records the time from connecting to its first event, the longest gap between events
 * (the server polls twice a second, so a gap well over 500 ms is the server falling behind), the
 * events it got, and whether it ended properly (with `done`) or with an error or a disconnect.
 */
import { request, type ClientRequest } from 'node:http';

export interface SseStats {
  /** ms from sending the request to the first event; null if none came. */
  firstEventMs: number | null;
  events: number;
  maxGapMs: number;
  done: boolean;
  /** What went wrong (status, socket error, stream ended before `done`, `event: error`). */
  errors: string[];
}

export interface SseClient {
  stats: SseStats;
  /** Resolves when the stream has ended, whichever way. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens one progress stream.
 *
 * @example
 * const client = openProgressStream(base, key, importId);
 * await client.ended; // client.stats.done === true
 */
export function openProgressStream(base: string, key: string, importId: string): SseClient {
  const stats: SseStats = { firstEventMs: null, events: 0, maxGapMs: 0, done: false, errors: [] };
  const started = performance.now();
  let last = started;
  let closing = false;
  let req: ClientRequest | null = null;
  const ended = new Promise<void>((resolve) => {
    req = request(
      `${base}/api/imports/${importId}/progress`,
      { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          stats.errors.push(`status ${res.statusCode}`);
          res.resume();
          res.on('end', resolve);
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const now = performance.now();
            if (stats.firstEventMs === null) stats.firstEventMs = now - started;
            else stats.maxGapMs = Math.max(stats.maxGapMs, now - last);
            last = now;
            stats.events++;
            const event = /^event: (.*)$/m.exec(block)?.[1];
            if (event === 'done') stats.done = true;
            if (event === 'error') stats.errors.push(`event: error ${block}`);
          }
        });
        res.on('end', () => {
          if (!stats.done && !closing) stats.errors.push('stream ended before done');
          resolve();
        });
        res.on('error', (err) => {
          if (!closing) stats.errors.push(`response: ${err.message}`);
          resolve();
        });
      },
    );
    req.on('error', (err) => {
      if (!closing) stats.errors.push(`request: ${err.message}`);
      resolve();
    });
    req.end();
  });
  return {
    stats,
    ended,
    close() {
      closing = true;
      (req as ClientRequest | null)?.destroy();
    },
  };
}
