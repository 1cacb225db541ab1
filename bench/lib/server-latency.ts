/**
 * The API's own handling time per route, from its Prometheus histogram (`plugboard_http_request_duration_seconds`,
 * lib/metrics.ts, observed by api/middleware/access-log.ts from the first middleware to the response body being
 * set). Two scrapes of GET /metrics bracket a measurement window; the difference of the bucket counts is the
 * window's distribution. This is what the API itself costs: it excludes the time a request waits in the socket
 * and the event loop before Koa sees it, and the time its response waits to be written, which the load
 * client's latency includes.
 */

/** Cumulative bucket counts of one route (status 200 only), by upper bound in seconds. */
export type RouteHistogram = Map<number, number>;
export type HistogramSnapshot = Map<string, RouteHistogram>;

const BUCKET = /^plugboard_http_request_duration_seconds_bucket\{([^}]*)\} (\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/;

function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** GET /metrics and the histogram of every route (responses with status 200), keyed by `METHOD route`. */
export async function scrapeRouteHistograms(baseUrl: string): Promise<HistogramSnapshot> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const snapshot: HistogramSnapshot = new Map();
  for (const line of text.split('\n')) {
    const m = BUCKET.exec(line);
    if (!m) continue;
    const labels = labelsOf(m[1]!);
    if (labels.status !== '200') continue;
    const key = `${labels.method} ${labels.route}`;
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    let route = snapshot.get(key);
    if (!route) snapshot.set(key, (route = new Map()));
    route.set(le, (route.get(le) ?? 0) + Number(m[2]));
  }
  return snapshot;
}

export interface ServerLatency {
  /** The route label the figures are for. */
  route: string;
  count: number;
  /** Quantiles in ms, interpolated linearly inside the bucket as Prometheus' histogram_quantile does. */
  p50: number;
  p99: number;
  /** The upper bound (ms) of the bucket that holds the p99: the p99 is at most this. */
  p99Bound: number;
}

/** The distribution of `route` (first route whose key matches) between two snapshots. */
export function serverLatency(before: HistogramSnapshot, after: HistogramSnapshot, route: RegExp): ServerLatency | undefined {
  const key = [...after.keys()].find((k) => route.test(k));
  if (!key) return undefined;
  const a = after.get(key)!;
  const b = before.get(key) ?? new Map<number, number>();
  const bounds = [...a.keys()].sort((x, y) => x - y);
  const cumulative = bounds.map((le) => (a.get(le) ?? 0) - (b.get(le) ?? 0));
  const count = cumulative.at(-1) ?? 0;
  const quantile = (q: number): { value: number; bound: number } => {
    const rank = q * count;
    for (let i = 0; i < bounds.length; i++) {
      if (cumulative[i]! >= rank) {
        const upper = bounds[i]!;
        const lower = i ? bounds[i - 1]! : 0;
        if (upper === Infinity) return { value: lower * 1000, bound: Infinity };
        const below = i ? cumulative[i - 1]! : 0;
        const inBucket = cumulative[i]! - below;
        const value = inBucket ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
        return { value: value * 1000, bound: upper * 1000 };
      }
    }
    return { value: NaN, bound: NaN };
  };
  const p99 = quantile(0.99);
  return { route: key, count, p50: quantile(0.5).value, p99: p99.value, p99Bound: p99.bound };
}

/** "p50 0.6, p99 2.1 ms (≤ 3 ms bucket) over 500 requests" */
export function describeServerLatency(latency: ServerLatency | undefined): string {
  if (!latency || !latency.count) return 'no requests recorded';
  return `p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms (in the ≤ ${latency.p99Bound} ms bucket) over ${latency.count} requests`;
}
