import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readCursorPages, type RunStatement } from './cursor-pages.ts';

/** A stand-in connection whose cursor returns `total` numbered rows. */
function fakeConnection(total: number): { run: RunStatement; log: string[] } {
  const log: string[] = [];
  let position = 0;
  const run: RunStatement = async (text, parameters) => {
    log.push(
      `${text.replace(/roster_cursor_\d+/, 'c')}${parameters.length ? ` ${JSON.stringify(parameters)}` : ''}`,
    );
    const fetch = /^fetch forward (\d+)/.exec(text);
    if (!fetch) return [];
    const rows = Array.from({ length: Math.min(Number(fetch[1]), total - position) }, (_, i) => ({
      n: position + i,
    }));
    position += rows.length;
    return rows;
  };
  return { run, log };
}

describe('readCursorPages', () => {
  it('declares a cursor with the query parameters, fetches pages and closes it', async () => {
    const { run, log } = fakeConnection(5);
    const pages: number[][] = [];
    const query = CompiledQuery.raw('select n from t where x = $1', ['y']);
    for await (const page of readCursorPages<{ n: number }>(run, query, 2))
      pages.push(page.rows.map((r) => r.n));
    expect(pages).toEqual([[0, 1], [2, 3], [4]]);
    expect(log).toEqual([
      'declare c no scroll cursor for select n from t where x = $1 ["y"]',
      'fetch forward 2 from c',
      'fetch forward 2 from c',
      'fetch forward 2 from c',
      'close c',
    ]);
  });

  it('stops without an empty page when the last page is full', async () => {
    const { run } = fakeConnection(4);
    const sizes: number[] = [];
    for await (const page of readCursorPages(run, CompiledQuery.raw('select 1'), 2))
      sizes.push(page.rows.length);
    expect(sizes).toEqual([2, 2]);
  });

  it('closes the cursor when the consumer stops early', async () => {
    const { run, log } = fakeConnection(100);
    for await (const _page of readCursorPages(run, CompiledQuery.raw('select 1'), 10)) break;
    expect(log.at(-1)).toBe('close c');
  });
});
