/**
 * The request load of the load test: one autocannon instance per endpoint, each at its share of
 * the overall rate, so every response's latency is known by endpoint (autocannon's own
 * histogram is per instance and leaves out non-2xx responses; here every response is kept).
 *
 * autocannon is closed-loop: a connection sends its next request when the previous one has been
 * answered, so a slow server lowers the rate reached instead of queueing requests. The rate
 * reached is therefore part of the result: with C connections at R requests/s in all, a
 * connection keeps up while a response takes less than C/R seconds.
 */
import autocannon from 'autocannon';

export interface Endpoint {
  name: string;
  path: string;
}

export interface EndpointStats {
  name: string;
  /** Every response's latency, ms. */
  latencies: number[];
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Seconds the load ran. */
  seconds: number;
}

export interface Traffic {
  /** Stops every instance and resolves with their statistics. */
  stop(): Promise<EndpointStats[]>;
}

/**
 * Starts the load: `rate` requests/s in all over `connections` connections, shared evenly by
 * the endpoints; runs until `stop` or `maxSeconds`.
 *
 * @example
 * const traffic = startTraffic(base, key, [{ name: 'status', path: '/api/imports/ID' }], 200, 18, 600);
 * const stats = await traffic.stop();
 */
export function startTraffic(
  base: string,
  key: string,
  endpoints: Endpoint[],
  rate: number,
  connections: number,
  maxSeconds: number,
): Traffic {
  const started = performance.now();
  const runs = endpoints.map((endpoint) => {
    const stats: EndpointStats = {
      name: endpoint.name,
      latencies: [],
      non2xx: 0,
      errors: 0,
      seconds: 0,
    };
    let finish: (() => void) | null = null;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const instance = autocannon(
      {
        url: `${base}${endpoint.path}`,
        headers: { authorization: `Bearer ${key}` },
        connections: Math.max(1, Math.round(connections / endpoints.length)),
        overallRate: rate / endpoints.length,
        duration: maxSeconds,
        timeout: 10,
      },
      (err, result) => {
        stats.seconds = (performance.now() - started) / 1000;
        if (err) stats.errors++;
        else stats.errors = result.errors;
        finish?.();
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      stats.latencies.push(responseTime);
      if (statusCode < 200 || statusCode > 299) stats.non2xx++;
    });
    return { instance, stats, done };
  });
  return {
    async stop() {
      for (const r of runs) r.instance.stop();
      await Promise.all(runs.map((r) => r.done));
      return runs.map((r) => r.stats);
    },
  };
}

/**
 * The p-th percentile (0–100) of sorted values, nearest rank; NaN for none.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
