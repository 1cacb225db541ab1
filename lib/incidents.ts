import type { Env } from './env.ts';

/** The thresholds and delays of provider incidents (lib/env.ts PLUGBOARD_INCIDENT_*; docs/architecture.md). */
export interface IncidentPolicy {
  minIntegrations: number;
  failurePercent: number;
  windowMs: number;
  quietPeriodMs: number;
  probeIntervalMs: number;
  confirmDelayMs: number;
  checkIntervalMs: number;
  maxHoldMs: number;
}

export function incidentPolicy(env: Env): IncidentPolicy {
  return {
    minIntegrations: env.PLUGBOARD_INCIDENT_MIN_INTEGRATIONS,
    failurePercent: env.PLUGBOARD_INCIDENT_FAILURE_PERCENT,
    windowMs: env.PLUGBOARD_INCIDENT_WINDOW,
    quietPeriodMs: env.PLUGBOARD_INCIDENT_QUIET_PERIOD,
    probeIntervalMs: env.PLUGBOARD_INCIDENT_PROBE_INTERVAL,
    confirmDelayMs: env.PLUGBOARD_INCIDENT_CONFIRM_DELAY,
    checkIntervalMs: env.PLUGBOARD_INCIDENT_CHECK_INTERVAL,
    maxHoldMs: env.PLUGBOARD_INCIDENT_MAX_HOLD,
  };
}

/** How long resolved incidents stay listed (GET /api/v1/incidents) and stored. */
export const RECENT_INCIDENTS_MS = 7 * 86_400_000;

/**
 * The provider as incidents count it: a catalog provider across every tenant (its key), a tenant's custom provider
 * on its own (`custom:<tenantId>:<key>`): two tenants' providers of the same key are different servers.
 */
export function providerScope(input: { tenantId: string; provider: string; custom: boolean }): string {
  return input.custom ? `custom:${input.tenantId}:${input.provider}` : input.provider;
}

/** The failure rate in whole percent (rounded down). */
export function failurePercent(failing: number, total: number): number {
  return total > 0 ? Math.floor((Math.min(failing, total) * 100) / total) : 0;
}

/** ≥ failurePercent % of ≥ minIntegrations connected integrations failed within the window. */
export function breachesThreshold(policy: Pick<IncidentPolicy, 'minIntegrations' | 'failurePercent'>, failing: number, total: number): boolean {
  return total >= policy.minIntegrations && failing > 0 && failing * 100 >= policy.failurePercent * total;
}

/** Never probe sooner than this, however close the token's expiry. */
export const MIN_PROBE_MS = 1_000;

/**
 * When a refresh that failed during an incident is tried again: the probe interval with ±20 % jitter (so the held
 * integrations do not probe in step), but never later than half the token's remaining life, so an integration whose
 * token still works tries again before it expires.
 */
export function probeDelayMs(policy: Pick<IncidentPolicy, 'probeIntervalMs'>, tokenExpiresAt: number | null, now = Date.now(), random = Math.random()): number {
  const jittered = policy.probeIntervalMs * (0.8 + 0.4 * random);
  const remaining = tokenExpiresAt === null ? Infinity : (tokenExpiresAt - now) / 2;
  return Math.round(Math.max(MIN_PROBE_MS, Math.min(jittered, remaining > 0 ? remaining : jittered)));
}

/**
 * Whether an open incident still holds failures: for PLUGBOARD_INCIDENT_MAX_HOLD after it started. Past that, the
 * failures are taken at their word (a dead grant asks for reauthorization), so an incident made of genuine mass
 * revocations ends: those integrations stop refreshing, their failures leave the window and the rate falls.
 */
export function incidentHolds(policy: Pick<IncidentPolicy, 'maxHoldMs'>, startedAt: Date, now = Date.now()): boolean {
  return now - startedAt.getTime() < policy.maxHoldMs;
}
