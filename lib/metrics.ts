import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; modules register their counters on it. */
export function createMetricsRegistry(prefix = 'plugboard_'): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

/**
 * Fine below 25 ms, where the token API's target lies (bench/lib/server-latency.ts reads its p99 from these), and a
 * superset of the earlier buckets, so existing `le` queries keep working.
 */
export const HTTP_DURATION_BUCKETS = [0.0005, 0.001, 0.002, 0.0025, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const duration = new Histogram({
    name: 'plugboard_http_request_duration_seconds',
    help: 'HTTP request duration by route and status: the handling time inside the API, from the access-log middleware to the response body (not the wait for a socket or the event loop before it)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  return {
    observe(method, route, status, seconds) {
      duration.observe({ method, route, status: String(status) }, seconds);
    },
  };
}

export function createCounter<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[]): Counter<T> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export interface AppMetrics {
  http: HttpMetrics;
  /** Webhook requests by provider and outcome (accepted, duplicate, rejected, handshake, ignored, too_large, unavailable, unrouted). */
  webhookRequests: Counter<'provider' | 'outcome'>;
}

export function createAppMetrics(
  registry: Registry,
  options: { countEvents?: () => Promise<Record<string, number>>; ingest?: { queued: number; onCommit?: (seconds: number, rows: number) => void } } = {},
): AppMetrics {
  const ingest = options.ingest;
  if (ingest) {
    // Group commit at a glance: rows_total / commit_seconds_count is the batch size (both counters, so
    // rate() works across restarts); queued: rows waiting for a commit.
    const rows = new Counter({
      name: 'plugboard_webhook_ingest_rows_total',
      help: 'Webhook events written by group commits (new and duplicate)',
      registers: [registry],
    });
    const commit = new Histogram({
      name: 'plugboard_webhook_ingest_commit_seconds',
      help: 'Duration of one group-committed webhook INSERT (what every request in the batch waited for); _count is the number of commits',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    ingest.onCommit = (seconds, committed) => {
      commit.observe(seconds);
      rows.inc(committed);
    };
    new Gauge({
      name: 'plugboard_webhook_ingest_queued',
      help: 'Verified webhook events waiting for their commit',
      registers: [registry],
      collect() {
        this.set(ingest.queued);
      },
    });
  }
  if (options.countEvents) {
    const count = options.countEvents;
    new Gauge({
      name: 'plugboard_webhook_events',
      help: 'Stored webhook events by status (pending, processed, failed)',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        const counts = await count();
        for (const status of ['pending', 'processed', 'failed']) this.set({ status }, counts[status] ?? 0);
      },
    });
  }
  return {
    http: createHttpMetrics(registry),
    webhookRequests: createCounter(registry, 'plugboard_webhook_requests_total', 'Webhook requests by provider and outcome', ['provider', 'outcome'] as const),
  };
}
