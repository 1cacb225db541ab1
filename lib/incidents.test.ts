import { describe, expect, it } from 'vitest';
import { breachesThreshold, failurePercent, incidentHolds, MIN_PROBE_MS, probeDelayMs, providerScope } from './incidents.ts';

const policy = { minIntegrations: 10, failurePercent: 20, probeIntervalMs: 120_000 };

describe('provider incident policy', () => {
  it('breaches at 20 % of at least 10 integrations, not below either', () => {
    expect(breachesThreshold(policy, 2, 10)).toBe(true);
    expect(breachesThreshold(policy, 1, 10)).toBe(false);
    expect(breachesThreshold(policy, 9, 9)).toBe(false);
    expect(breachesThreshold(policy, 200, 1000)).toBe(true);
    expect(breachesThreshold(policy, 199, 1000)).toBe(false);
    expect(breachesThreshold(policy, 0, 10)).toBe(false);
  });

  it('rounds the failure rate down and never past 100 %', () => {
    expect(failurePercent(1, 3)).toBe(33);
    expect(failurePercent(12, 10)).toBe(100);
    expect(failurePercent(0, 0)).toBe(0);
  });

  it('counts a custom provider per tenant and a catalog provider across tenants', () => {
    expect(providerScope({ tenantId: 'ten_1', provider: 'github', custom: false })).toBe('github');
    expect(providerScope({ tenantId: 'ten_1', provider: 'acme', custom: true })).toBe('custom:ten_1:acme');
  });

  it('probes at the interval with jitter, but before half of a live token’s remaining life', () => {
    const now = 1_000_000;
    expect(probeDelayMs(policy, null, now, 0)).toBe(96_000);
    expect(probeDelayMs(policy, null, now, 1)).toBe(144_000);
    expect(probeDelayMs(policy, now + 60_000, now, 0.5)).toBe(30_000);
    // An expired token: the provider is down for it anyway, so the plain interval.
    expect(probeDelayMs(policy, now - 1, now, 0.5)).toBe(120_000);
    expect(probeDelayMs(policy, now + 10, now, 0.5)).toBe(MIN_PROBE_MS);
  });

  it('holds failures for the maximum hold after the incident started, then no more', () => {
    const startedAt = new Date(1_000_000);
    expect(incidentHolds({ maxHoldMs: 60_000 }, startedAt, 1_059_999)).toBe(true);
    expect(incidentHolds({ maxHoldMs: 60_000 }, startedAt, 1_060_000)).toBe(false);
  });
});
