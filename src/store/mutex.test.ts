import { describe, expect, it } from 'vitest';
import { Mutex } from './mutex.ts';

describe('Mutex', () => {
  it('lets holders in one at a time, in arrival order', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const hold = async (name: string, ms: number) => {
      const release = await mutex.lock();
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      release();
    };
    await Promise.all([hold('a', 10), hold('b', 1), hold('c', 5)]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('ignores a second release of the same turn', async () => {
    const mutex = new Mutex();
    const first = await mutex.lock();
    let secondIn = false;
    const second = mutex.lock().then((release) => {
      secondIn = true;
      return release;
    });
    first();
    first();
    const releaseSecond = await second;
    let thirdIn = false;
    const third = mutex.lock().then(() => (thirdIn = true));
    await new Promise((r) => setTimeout(r, 5));
    expect([secondIn, thirdIn]).toEqual([true, false]);
    releaseSecond();
    await third;
    expect(thirdIn).toBe(true);
  });
});
