/**
 * Preloaded into the load test's server processes (`node --import tsx --import
 * ./bench/load-loop-delay.ts bin/roster.js serve`): measures the event loop's delay with
 * perf_hooks.monitorEventLoopDelay and appends one JSON line a second to
 * ROSTER_BENCH_LOOP_DELAY_FILE: `{"at": ms, "p50": ms, "p99": ms, "max": ms}` over that second.
 * A request that arrives while the loop is blocked waits at least that long.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env['ROSTER_BENCH_LOOP_DELAY_FILE'];
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  setInterval(() => {
    if (histogram.count === 0) return;
    const line = {
      at: Date.now(),
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    };
    histogram.reset();
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000).unref();
}
