/**
 * Gives the event loop a turn now and then during a long CPU-bound loop. An import runs inside
 * the API server's process by default (ROSTER_WORKERS > 0): without turns, a request arriving
 * while the import prepared its rows waited for the whole stretch (measured in bench/load.ts:
 * stretches of 50 ms to 1 s, nearly every second of an import).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long a loop may keep the event loop before it lets others run. */
export const TURN_MS = 10;

/**
 * Returns `pause`: awaiting it yields to the event loop (setImmediate: pending I/O, timers and
 * requests run first) once `ms` have passed since the last turn, and is free otherwise.
 *
 * @example
 * const pause = eventLoopTurns();
 * for await (const batch of table.records) { work(batch); await pause(); }
 */
export function eventLoopTurns(ms: number = TURN_MS): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < ms) return;
    await nextTurn();
    last = performance.now();
  };
}
