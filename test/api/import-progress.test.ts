import type { KyselyPlugin, OperationNode, RootOperationNode } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProgressFeeds, type FeedEvent } from '../../src/api/routes/import-progress.ts';
import { getImport } from '../../src/store/imports.ts';
import { describeEachBackend } from '../support/backends.ts';
import { testApi, type TestApi, type TestTenant } from './api-support.ts';
import { contactsCsv, inlineJobs, sseEvents, upload, type InlineJobs } from './import-support.ts';

/** Counts the queries that read the `imports` table (what a progress poller does). */
function countImportReads(count: () => void): KyselyPlugin {
  const readsImports = (node: OperationNode): boolean =>
    node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"name":"imports"');
  return {
    transformQuery: ({ node }): RootOperationNode => {
      if (readsImports(node)) count();
      return node;
    },
    transformResult: async ({ result }) => result,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeEachBackend('API: import progress streams', (getDb) => {
  let api: TestApi;
  let jobs: InlineJobs;
  let t: TestTenant;
  let reads = 0;

  beforeAll(async () => {
    // The import starts 1.2 s after it is queued: the streams see it wait, then run.
    jobs = inlineJobs(getDb(), 1200);
    api = await testApi(getDb().withPlugin(countImportReads(() => reads++)), jobs);
    jobs.files = api.files;
    t = await api.newTenant();
  });
  afterAll(async () => api.close());

  const startImport = async (rows: number): Promise<string> => {
    const up = await upload(api, t.memberKey, 'progress.csv', contactsCsv(rows));
    const res = await api.call(t.memberKey, {
      method: 'POST',
      url: '/api/imports',
      payload: { uploadId: (up.json() as { id: string }).id, options: { batchSize: 100 } },
    });
    expect(res.statusCode).toBe(202);
    return (res.json() as { id: string }).id;
  };

  it('serves every stream of one import from one poller, and each ends with done', async () => {
    const id = await startImport(600);
    reads = 0;
    const streams = await Promise.all(
      Array.from({ length: 5 }, () =>
        api.call(t.memberKey, { method: 'GET', url: `/api/imports/${id}/progress` }),
      ),
    );
    await jobs.settle();
    const events = streams.map((s) => sseEvents(s.payload));
    for (const e of events) {
      expect(e[0]).toMatchObject({ event: 'progress', data: { status: 'queued' } });
      expect(e.filter((x) => x.event === 'done')).toHaveLength(1);
      expect(e[e.length - 1]).toMatchObject({
        event: 'done',
        data: { status: 'completed', summary: { totalRows: 600 } },
      });
    }
    const most = Math.max(...events.map((e) => e.length));
    expect(most).toBeGreaterThanOrEqual(3);
    // One look-up per stream when it opens, then one read per poll, shared: five pollers would
    // have read about five times per event.
    expect(reads).toBeLessThanOrEqual(5 + most);
  });

  it('stops polling when the last stream has gone, and ends streams when the import ends', async () => {
    const id = await startImport(300);
    const job = await getImport(getDb(), t.id, id);
    const feeds = new ProgressFeeds(getDb(), api.app.log);
    const a: FeedEvent[] = [];
    const b: FeedEvent[] = [];
    const leaveA = feeds.follow(t.id, job, (e) => a.push(e));
    const leaveB = feeds.follow(t.id, job, (e) => b.push(e));
    expect(feeds.polling).toBe(1);
    await sleep(700);
    expect(a.length).toBeGreaterThanOrEqual(2);
    leaveA();
    leaveB();
    await sleep(700);
    expect(feeds.polling).toBe(0);

    const c: FeedEvent[] = [];
    feeds.follow(t.id, job, (e) => c.push(e));
    expect(feeds.polling).toBe(1);
    await jobs.settle();
    await sleep(700);
    expect(feeds.polling).toBe(0);
    expect(c.filter((e) => e.last)).toHaveLength(1);
    expect(c[c.length - 1]!.text).toMatch(/^event: done\n/);

    // A stopping server ends new streams without `done`: the client connects again elsewhere.
    feeds.close();
    const d: FeedEvent[] = [];
    feeds.follow(t.id, { ...job, status: 'running' }, (e) => d.push(e));
    expect(d).toEqual([{ text: '', last: true }]);
    expect(feeds.polling).toBe(0);
  });
});
