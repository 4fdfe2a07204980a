/**
 * Live progress of an import as Server-Sent Events: `event: progress` about twice a second while
 * it waits or runs, then one `event: done` with its summary, and the stream ends.
 *
 * The stream polls the import's row rather than listening to the worker: workers write the
 * counters with every batch, so this works whichever process (or machine) runs the import. The
 * rate is taken over the last few seconds of samples, so it follows the import's current speed.
 */
import { countersOf } from '../../store/import-journal.ts';
import { getImport } from '../../store/imports.ts';
import type { ImportRow, ImportStatus } from '../../store/schema.ts';
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
      let job = await getImport(db, tenantId, request.params.id);
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
      let open = true;
      const stop = (): void => {
        open = false;
      };
      // The response's close, not the request's: a request "closes" once its body is read.
      res.on('close', stop);
      const send = (event: string, data: unknown): void => {
        if (open) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const samples: { at: number; rows: number }[] = [];
      try {
        while (open && LIVE.includes(job.status)) {
          send('progress', progressOf(job, samples));
          await sleep(PROGRESS_INTERVAL_MS);
          if (!open) break;
          job = await getImport(db, tenantId, job.id);
        }
        send('done', { ...importJson(job), summary: countersJson(countersOf(job)) });
      } catch (err) {
        request.log.error({ err, importId: job.id }, 'progress stream failed');
        send('error', { code: 'INTERNAL', message: 'Progress is not available; reload the page' });
      } finally {
        res.off('close', stop);
        if (!res.writableEnded) res.end();
      }
    },
  );
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
