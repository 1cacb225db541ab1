import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_RETRY_SCHEDULE, parseDuration, parseRetrySchedule } from './events/schedule.ts';

/**
 * The one place that reads process.env (docs/conventions.md §15): parsed once, failing fast with a clear message.
 * Every variable is documented in docs/operations.md "Configuration".
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** What the outbound guard (lib/net-guard.ts) lets through besides public addresses: PLUGBOARD_OUTBOUND_ALLOW. */
export interface OutboundAllowList {
  readonly cidrs: readonly { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[];
  readonly hosts: readonly string[];
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Comma-separated CIDRs (`10.1.0.0/16`, `fd00::/8`), single addresses (`127.0.0.1`, `::1`) and host names (`hooks.internal`). */
export const outboundAllowList = z.string().transform((value, ctx): OutboundAllowList => {
  const cidrs: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[] = [];
  const hosts: string[] = [];
  const entries = value.split(',').map((e) => e.trim().toLowerCase());
  for (const entry of entries.filter(Boolean)) {
    const [rawAddress = '', prefixText, ...rest] = entry.split('/');
    const address = rawAddress.replace(/^\[|\]$/g, '');
    const version = isIP(address);
    const max = version === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (version && !rest.length && prefix >= 0 && prefix <= max) cidrs.push({ address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' });
    else if (prefixText === undefined && HOST_NAME.test(entry.replace(/\.$/, ''))) hosts.push(entry.replace(/\.$/, ''));
    else ctx.addIssue({ code: 'custom', message: `"${entry}" is not a CIDR, an IP address or a host name` });
  }
  return { cidrs, hosts };
});

/** A duration variable (`30s`, `10m`, `2h`) → milliseconds, at least `minMs`. */
function incidentDuration(fallback: string, minMs: number) {
  return z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms < minMs) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration of at least ${minMs} ms such as 30s, 10m or 2h` });
        return z.NEVER;
      }
      return ms;
    });
}

/**
 * A retention setting, in days (docs/operations.md "Retention"): 0 keeps forever, anything else at least `min` days
 * (what the API reads back, such as GET /api/v1/stats' windows) and at most ten years.
 */
function retentionDays(fallback: number, min = 1) {
  return z.coerce
    .number()
    .int()
    .min(0)
    .max(3650)
    .refine((days) => days === 0 || days >= min, `0 (keep forever) or at least ${min} days`)
    .default(fallback);
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PUBLIC_URL: z
    .url()
    .default('http://localhost:3000')
    .transform((u) => u.replace(/\/+$/, '')),
  /** Port the API (and the one public origin) listens on; defaults to PUBLIC_URL's port. */
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().default('127.0.0.1'),
  /** Internal address of the SvelteKit node server the API proxies page requests to. */
  DASHBOARD_URL: z.url().default('http://127.0.0.1:3001'),
  DATABASE_URL: z.string().optional(),
  PLUGBOARD_DATA_DIR: z.string().default('.data'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" and "-" (it prefixes every task queue and goes into visibility queries)')
    .default('plugboard'),
  TEMPORAL_UI_URL: z
    .url()
    .default('http://localhost:8233')
    .transform((u) => u.replace(/\/+$/, '')),
  PLUGBOARD_ENCRYPTION_KEYS: z.string().optional(),
  /**
   * Webhook dispatch (workers/webhook-dispatcher.ts): how often a dispatcher looks for pending events without
   * waiting for a notification, and how long a claimed event may stay pending before it is claimed again.
   */
  PLUGBOARD_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** How often a worker serving connections looks for open runs on the legacy (pre-split) task queue it does not poll yet. */
  PLUGBOARD_LEGACY_QUEUE_CHECK_MS: z.coerce.number().int().min(100).default(60_000),
  PLUGBOARD_SWEEP_MIN_AGE_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * How long a forward may take in the webhooks queue (ms) before the integration's batches move to the slow lane,
   * where they get the full 15 s (docs/architecture.md "Slow receivers"): a receiver that hangs holds a webhooks
   * slot for at most this long.
   */
  PLUGBOARD_WEBHOOK_FAST_LANE_MS: z.coerce.number().int().min(100).max(15_000).default(3_000),
  /**
   * Slow-lane batches (webhook forwards, tenant-event deliveries) one tenant may run at once in one worker process;
   * a batch over the cap hands its slot back and tries again 5–7.5 s later (docs/architecture.md "Slow receivers").
   */
  PLUGBOARD_SLOW_LANE_TENANT_SLOTS: z.coerce.number().int().min(1).max(10_000).default(10),
  /** How long the API keeps an integration's webhook verification data (ms); a failed verification re-reads it. */
  PLUGBOARD_WEBHOOK_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
  /** Webhook change hints of one integration arriving within this long of each other fold into one sync. */
  PLUGBOARD_SYNC_HINT_DEBOUNCE_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  /**
   * How long the token API may keep an active integration's encrypted token row (ms; 0 = never). PostgreSQL
   * NOTIFY drops an entry on every token or status change (db/token-cache.ts), so this only bounds memory.
   */
  PLUGBOARD_TOKEN_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(300_000),
  /**
   * The worker process's niceness (0–19; Linux/macOS). Webhook batches and syncs are throughput work that can
   * keep every core busy for minutes; on hosts where the API shares cores with the worker, a positive value lets
   * the API's latency-bound requests (token API, connect callbacks, ingest acks) take a core first. Containers
   * get the same effect from CPU shares (docker-compose.yml). 0 turns it off.
   */
  PLUGBOARD_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(5),
  /**
   * At most how long an API process remembers a valid API key (ms). A revocation reaches every API process on
   * commit through a NOTIFY (api/middleware/api-key-auth.ts), so this only bounds an entry's life. 0 turns it off.
   */
  PLUGBOARD_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(3_600_000).default(300_000),
  /**
   * Worker slots per workload, `connections:50,webhooks:50,sync:10` style (activities), with an optional
   * `/workflow tasks` part: `sync:10/10`. Unlisted workloads keep their defaults (workers/create-worker.ts).
   */
  PLUGBOARD_WORKER_SLOTS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const slots: Partial<Record<'connections' | 'webhooks' | 'webhooks-slow' | 'sync' | 'legacy', { activities: number; workflowTasks: number }>> = {};
      for (const part of (value ?? '').split(',').filter((p) => p.trim())) {
        const match = /^\s*(connections|webhooks-slow|webhooks|sync|legacy)\s*:\s*(\d{1,5})(?:\s*\/\s*(\d{1,5}))?\s*$/.exec(part);
        if (!match || Number(match[2]) < 1 || (match[3] !== undefined && Number(match[3]) < 2)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${part}" is not <connections|webhooks|webhooks-slow|sync|legacy>:<activity slots ≥ 1>[/<workflow task slots ≥ 2>]`,
          });
          return z.NEVER;
        }
        slots[match[1] as 'connections'] = { activities: Number(match[2]), workflowTasks: Number(match[3] ?? Math.min(20, Math.max(2, Number(match[2])))) };
      }
      return slots;
    }),
  /**
   * Tenant event delivery (docs/architecture.md "Tenant events"): the delays before each attempt (default Svix's
   * `0,5s,5m,30m,2h,5h,10h,10h`), how long an endpoint may fail in a row before it is disabled (default 5 days),
   * and after how many consecutive transient refresh failures `integration.refresh_failing` is sent.
   */
  PLUGBOARD_EVENT_RETRY_SCHEDULE: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE)
    .transform((value, ctx) => {
      const schedule = parseRetrySchedule(value);
      if (typeof schedule === 'string') {
        ctx.addIssue({ code: 'custom', message: schedule });
        return z.NEVER;
      }
      return schedule;
    }),
  PLUGBOARD_EVENT_DISABLE_AFTER: z
    .string()
    .default('5d')
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms < 1000) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration of at least 1s such as 5d, 12h or 30s` });
        return z.NEVER;
      }
      return ms;
    }),
  PLUGBOARD_EVENT_REFRESH_FAILING_AFTER: z.coerce.number().int().min(1).max(100).default(3),
  /**
   * `integration.reauthorization_due`: how many days before a known refresh-token expiry it is sent, once per grant
   * per threshold (comma-separated whole days, default `7,1`), and how often the sweep looks (default 1h).
   */
  PLUGBOARD_EVENT_REAUTHORIZATION_DUE_DAYS: z
    .string()
    .default('7,1')
    .transform((value, ctx) => {
      const days = value.split(',').map((d) => d.trim());
      if (!days.length || days.length > 10 || days.some((d) => !/^\d{1,3}$/.test(d) || Number(d) < 1)) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a list of 1 to 10 whole days of at least 1, such as 7,1` });
        return z.NEVER;
      }
      return [...new Set(days.map(Number))].sort((a, b) => b - a);
    }),
  PLUGBOARD_REAUTHORIZATION_SWEEP_INTERVAL: z
    .string()
    .default('1h')
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms < 1000) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration of at least 1s such as 1h, 15m or 30s` });
        return z.NEVER;
      }
      return ms;
    }),
  /**
   * Provider incidents (docs/architecture.md "Provider incidents"): one opens when at least FAILURE_PERCENT % of at
   * least MIN_INTEGRATIONS connected integrations of one provider failed a refresh or a proxy call within WINDOW, and
   * resolves after the rate stayed below the threshold for QUIET_PERIOD. Meanwhile a failed refresh is tried again
   * after PROBE_INTERVAL (never later than half the token's remaining life); a first refused grant of a provider
   * that can have an incident waits CONFIRM_DELAY before it counts as dead. Workers look every CHECK_INTERVAL. After
   * MAX_HOLD an incident holds nothing more (failures get their usual class), so mass revocations cannot hold forever.
   */
  PLUGBOARD_INCIDENT_MIN_INTEGRATIONS: z.coerce.number().int().min(1).max(1_000_000).default(10),
  PLUGBOARD_INCIDENT_FAILURE_PERCENT: z.coerce.number().min(1).max(100).default(20),
  PLUGBOARD_INCIDENT_WINDOW: incidentDuration('10m', 1000),
  PLUGBOARD_INCIDENT_QUIET_PERIOD: incidentDuration('5m', 0),
  PLUGBOARD_INCIDENT_PROBE_INTERVAL: incidentDuration('2m', 1000),
  PLUGBOARD_INCIDENT_CONFIRM_DELAY: incidentDuration('1m', 0),
  PLUGBOARD_INCIDENT_CHECK_INTERVAL: incidentDuration('30s', 100),
  PLUGBOARD_INCIDENT_MAX_HOLD: incidentDuration('6h', 1000),
  /**
   * Retention (docs/operations.md "Retention"): a daily run at PLUGBOARD_RETENTION_HOUR (UTC) deletes processed and
   * failed webhook events (never a pending one; at least 7 days, the stats window), unrouted deliveries, integration
   * logs, finished tenant-event deliveries with their attempts and then their events, expired connect flows and
   * invitations (at least 30 days, the connect-success window) and, only when set, audit entries older than this.
   */
  PLUGBOARD_RETENTION_WEBHOOK_EVENTS_DAYS: retentionDays(30, 7),
  PLUGBOARD_RETENTION_UNROUTED_DAYS: retentionDays(7),
  PLUGBOARD_RETENTION_LOGS_DAYS: retentionDays(90),
  PLUGBOARD_RETENTION_EVENT_DELIVERIES_DAYS: retentionDays(30),
  PLUGBOARD_RETENTION_ONE_TIME_TOKENS_DAYS: retentionDays(30, 30),
  /** Audit entries are compliance records: kept forever unless set. */
  PLUGBOARD_RETENTION_AUDIT_DAYS: retentionDays(0),
  PLUGBOARD_RETENTION_HOUR: z.coerce.number().int().min(0).max(23).default(3),
  /** Workflows the worker keeps in memory (default: the SDK's, sized from the heap); others replay when they wake. */
  PLUGBOARD_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Path of the Temporal CLI (set by the bootstrap) for `npm start` / `npm test`. */
  TEMPORAL_CLI: z.string().optional(),
  /** Signs and encrypts the dashboard session cookie (≥ 32 chars; generated into the data dir in development). */
  PLUGBOARD_SESSION_SECRET: z.string().min(32).optional(),
  /** Enables the built-in sandbox OAuth provider (default: on outside production). */
  PLUGBOARD_SANDBOX: bool.optional(),
  /**
   * Where the sandbox authorization server runs as its own process (`npm run sandbox`), e.g. `http://localhost:3100`
   * (its issuer is `<this>/sandbox`). The API and workers point the sandbox provider there and the API does not
   * serve `/sandbox` itself; unset, the API serves it in process.
   */
  PLUGBOARD_SANDBOX_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .url()
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  ),
  /** Port of the standalone sandbox process (default: PORT, else the port of PLUGBOARD_SANDBOX_URL, else 3100). */
  PLUGBOARD_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Sandbox provider token lifetimes, in seconds (short ones exercise the refresh loop). */
  PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: z.coerce.number().int().min(5).max(86_400).default(3600),
  PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL: z.coerce
    .number()
    .int()
    .min(60)
    .default(14 * 86_400),
  /** Outbound guard allow-list: tenant-set URLs (forwarding, custom providers) may reach these besides public addresses. */
  PLUGBOARD_OUTBOUND_ALLOW: outboundAllowList.default({ cidrs: [], hosts: [] }),
  /**
   * Dashboard single sign-on (docs/architecture.md "Team accounts"): an OpenID Connect issuer, a client registered
   * there, and the redirect URI (default `<PUBLIC_URL>/signin/sso/callback`, the dashboard's page). Unset, `npm start`
   * uses the sandbox authorization server (development with a loopback PUBLIC_URL only); elsewhere single sign-on is off.
   */
  PLUGBOARD_SSO_ISSUER: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  PLUGBOARD_SSO_CLIENT_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  PLUGBOARD_SSO_CLIENT_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  PLUGBOARD_SSO_NAME: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(100).optional()),
  PLUGBOARD_SSO_REDIRECT_URI: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  /**
   * Addresses of the reverse proxies in front of the API (comma-separated IPs or CIDR ranges, e.g. the dashboard's
   * and a load balancer's, or a compose network's range): only a request whose socket peer is one of them has its X-Forwarded-For believed for the client
   * address (sign-in rate limits, audit `ip`). Default: loopback in development, none elsewhere.
   */
  PLUGBOARD_TRUSTED_PROXIES: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v.trim() === ''
          ? undefined
          : v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
        : v,
    z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()])).optional(),
  ),
  /** SMTP server invitations are mailed through (`smtp://user:pass@host:587`, `smtps://…`); unset: links are only shown. */
  PLUGBOARD_SMTP_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  PLUGBOARD_SMTP_FROM: z.string().default('Plugboard <no-reply@plugboard.local>'),
  /** When set (not empty), GET /metrics requires `Authorization: Bearer <this>`. */
  PLUGBOARD_METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'use at least 16 characters').optional()),
});

export type Env = z.infer<typeof schema> & {
  PORT: number;
  sandboxEnabled: boolean;
  /** The variables this Env was parsed from, for per-provider settings (`PLUGBOARD_<PROVIDER>_…`). */
  raw: Readonly<Record<string, string | undefined>>;
};

let cached: Env | undefined;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}\nSee docs/operations.md "Configuration".`);
  }
  const env = parsed.data;
  // PORT alone (`PORT=3400 npm start`) moves the default public origin with it; an explicit PUBLIC_URL (a
  // proxy in front) is left as given.
  if (env.PORT !== undefined && !source.PUBLIC_URL) env.PUBLIC_URL = `http://localhost:${env.PORT}`;
  const port = env.PORT ?? Number(new URL(env.PUBLIC_URL).port || (env.PUBLIC_URL.startsWith('https:') ? 443 : 80));
  return { ...env, PORT: port, sandboxEnabled: env.PLUGBOARD_SANDBOX ?? env.NODE_ENV !== 'production', raw: { ...source } };
}

/** The process-wide configuration, parsed on first use. */
export function env(): Env {
  cached ??= loadEnv();
  return cached;
}

/** Provider credentials from operator env: PLUGBOARD_<PROVIDER>_CLIENT_ID / _CLIENT_SECRET (and others by suffix). */
export function providerEnv(providerKey: string, suffix: string, source: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const name = `PLUGBOARD_${providerKey.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${suffix}`;
  const value = source[name];
  return value === undefined || value === '' ? undefined : value;
}
