/**
 * Provider incidents against real PostgreSQL (issue 14 item 4): the thresholds over the outcome table, one open
 * incident per provider under concurrent evaluation, the events in the incident's transaction, the quiet period,
 * GET /api/v1/incidents per tenant, and the refresh guard's three answers (confirm, hold, no hold after the maximum).
 * The end-to-end flow with the sandbox, Temporal and Chromium is test/incidents.test.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentGuard } from '../activities/incidents.ts';
import { Integration, ProviderIncident, TenantEvent } from '../db/entities/index.ts';
import { canHaveIncident, evaluateScope, recordFailure, recordSuccess } from '../db/incidents.ts';
import type { IncidentPolicy } from '../lib/incidents.ts';
import { PROVIDER_INCIDENT_ERROR } from '../workflows/connection.messages.ts';
import { freshDatabase, startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
const policy: IncidentPolicy = {
  minIntegrations: 10,
  failurePercent: 20,
  windowMs: 600_000,
  quietPeriodMs: 400,
  probeIntervalMs: 120_000,
  confirmDelayMs: 60_000,
  checkIntervalMs: 1000,
  maxHoldMs: 6 * 3_600_000,
};
const members: { tenantId: string; apiKey: string; integrationId: string }[] = [];

beforeAll(async () => {
  api = await startTestApi({ env: { DATABASE_URL: await freshDatabase('incidents-db') } });
  for (let i = 0; i < 10; i++) {
    const { tenantId, apiKey } = await api.newTenant(`Incident db ${i}`);
    const created = await api.request('POST', '/api/v1/integrations', { key: apiKey, body: { provider: 'sandbox' } });
    expect(created.status).toBe(201);
    members.push({ tenantId, apiKey, integrationId: created.body.data.id });
    // Two tenants listen for events; the others have no endpoint (nothing is written for them).
    if (i < 2) expect((await api.request('POST', '/api/v1/event-endpoints', { key: apiKey, body: { url: `http://127.0.0.1:9/t${i}` } })).status).toBe(201);
  }
  await api.deps.orm.em.fork().nativeUpdate(Integration, { id: { $in: members.map((m) => m.integrationId) } }, { status: 'active' });
}, 60_000);
afterAll(async () => {
  await api?.close();
});

const source = (i: number) => ({ integrationId: members[i]!.integrationId, tenantId: members[i]!.tenantId, scope: 'sandbox' });
const eventsOfType = (type: string) => api.deps.orm.em.fork().find(TenantEvent, { type }, { orderBy: { tenantId: 'asc' } });

describe('provider incidents in PostgreSQL', () => {
  it('opens at 20 % of 10 integrations (not at 10 %), once under concurrent evaluation, with its events, and resolves after the quiet period', async () => {
    const { em } = api.deps.orm;
    await recordFailure(em.fork(), source(0), 'refresh', 'invalid_grant, HTTP 400');
    expect((await evaluateScope(em, api.deps.vault, policy, 'sandbox')).incident).toBeNull();

    await recordFailure(em.fork(), source(1), 'proxy', 'HTTP 503');
    const results = await Promise.all(Array.from({ length: 5 }, () => evaluateScope(em, api.deps.vault, policy, 'sandbox')));
    expect(results.filter((r) => r.opened)).toHaveLength(1);
    const open = await em.fork().find(ProviderIncident, { scope: 'sandbox', resolvedAt: null });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ provider: 'sandbox', tenantId: null, failingIntegrations: 2, totalIntegrations: 10, failurePercent: 20 });
    // The partial unique index: a second open incident of the provider cannot exist.
    await expect(
      em
        .fork()
        .execute(
          `insert into provider_incident (id, scope, provider, reason, failing_integrations, total_integrations, peak_failure_percent, failure_percent, started_at, updated_at) values ('inc_dup', 'sandbox', 'sandbox', 'x', 1, 1, 1, 1, now(), now())`,
        ),
    ).rejects.toThrow(/provider_incident_open_unique/);
    const started = await eventsOfType('provider.incident_started');
    expect(started.map((e) => e.tenantId).sort()).toEqual([members[0]!.tenantId, members[1]!.tenantId].sort());

    // The API: the tenant sees it open; a tenant without sandbox integrations sees nothing.
    const listed = await api.request('GET', '/api/v1/incidents?status=open', { key: members[3]!.apiKey });
    expect(listed.body.data).toEqual([expect.objectContaining({ incidentId: open[0]!.id, provider: 'sandbox', status: 'open' })]);
    const stranger = await api.newTenant('No sandbox');
    expect((await api.request('GET', '/api/v1/incidents', { key: stranger.apiKey })).body.data).toEqual([]);
    const bad = await api.request('GET', '/api/v1/incidents?status=closed', { key: stranger.apiKey });
    expect(bad.status).toBe(400);

    // Recovery: successes bring the rate under the threshold; it resolves only after the quiet period.
    expect(await recordSuccess(em.fork(), members[1]!.integrationId)).toBe('sandbox');
    expect(await recordSuccess(em.fork(), members[5]!.integrationId)).toBeNull();
    const below = await evaluateScope(em, api.deps.vault, policy, 'sandbox');
    expect(below).toMatchObject({ resolved: false });
    expect(below.incident!.belowSince).not.toBeNull();
    await new Promise((r) => setTimeout(r, policy.quietPeriodMs + 50));
    expect(await evaluateScope(em, api.deps.vault, policy, 'sandbox')).toMatchObject({ resolved: true });
    expect(await eventsOfType('provider.incident_resolved')).toHaveLength(2);
    const after = await api.request('GET', '/api/v1/incidents', { key: members[3]!.apiKey });
    expect(after.body.data[0]).toMatchObject({ incidentId: open[0]!.id, status: 'resolved' });
  });

  it('counts a custom provider per tenant: one tenant never has 10 integrations of it', async () => {
    expect(await canHaveIncident(api.deps.orm.em.fork(), `custom:${members[0]!.tenantId}:sandbox`, policy)).toBe(false);
    expect(await canHaveIncident(api.deps.orm.em.fork(), 'sandbox', policy)).toBe(true);
  });

  it('the refresh guard confirms a first refused grant, holds it during an incident, and no more after the maximum hold', async () => {
    const { em } = api.deps.orm;
    const guardWith = (overrides: Record<string, unknown>) =>
      createIncidentGuard({ ...api.deps, env: { ...api.deps.env, ...overrides } as typeof api.deps.env, temporal: api.deps.temporal.client });
    const integration = await em.fork().findOneOrFail(Integration, { id: members[2]!.integrationId });
    const def = await api.deps.providers.resolve(em.fork(), integration.tenantId, 'sandbox');
    const refused = () => ApplicationFailure.nonRetryable('Sandbox refused the grant (invalid_grant)', 'InvalidGrant');
    const guard = guardWith({});

    await recordSuccess(em.fork(), members[0]!.integrationId);
    // No incident (the earlier one resolved; only this failure in the window): confirm before reauthorization.
    const confirm = await guard.refreshFailed(integration, def, refused(), { code: 'invalid_grant', status: 400 }).catch((e: unknown) => e);
    expect(confirm).toBeInstanceOf(ApplicationFailure);
    expect(confirm).toMatchObject({ type: 'ProviderUnavailable', nonRetryable: false, nextRetryDelay: 60_000 });

    // A second integration fails too: 2 of 10, an incident: the refusal is held, with a probe delay.
    await recordFailure(em.fork(), source(4), 'refresh', 'invalid_grant, HTTP 400');
    const held = await guard.refreshFailed(integration, def, refused(), { code: 'invalid_grant', status: 400 }).catch((e: unknown) => e);
    expect(held).toMatchObject({ type: PROVIDER_INCIDENT_ERROR, nonRetryable: true });
    const retryAfterMs = (held as ApplicationFailure).details?.[0] as { retryAfterMs: number };
    expect(retryAfterMs.retryAfterMs).toBeGreaterThanOrEqual(96_000);
    expect(retryAfterMs.retryAfterMs).toBeLessThanOrEqual(144_000);

    // Past the maximum hold the incident holds nothing: the refusal keeps its class (the caller throws it).
    const expired = guardWith({ PLUGBOARD_INCIDENT_MAX_HOLD: 1000 });
    await em.fork().nativeUpdate(ProviderIncident, { scope: 'sandbox', resolvedAt: null }, { startedAt: new Date(Date.now() - 5000) });
    await expect(expired.refreshFailed(integration, def, refused(), { code: 'invalid_grant', status: 400 })).resolves.toBeUndefined();
  });
});
