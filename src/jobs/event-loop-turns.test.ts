import { describe, expect, it } from 'vitest';
import { eventLoopTurns } from './event-loop-turns.ts';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // CPU-bound work
  }
}

describe('eventLoopTurns', () => {
  it('lets a timer run during a CPU-bound loop, soon after it is due', async () => {
    const pause = eventLoopTurns(10);
    const started = performance.now();
    let firedAfter: number | null = null;
    setTimeout(() => (firedAfter = performance.now() - started), 0);
    for (let i = 0; i < 100; i++) {
      busy(2);
      await pause();
    }
    expect(firedAfter).not.toBeNull();
    // Without turns the timer would wait for the whole loop (~200 ms).
    expect(firedAfter!).toBeLessThan(60);
  });

  it('does not yield before its time has passed', async () => {
    const pause = eventLoopTurns(1000);
    let fired = false;
    setImmediate(() => (fired = true));
    for (let i = 0; i < 10; i++) await pause();
    expect(fired).toBe(false);
  });
});
