/**
 * Work someone waits on goes ahead of background work on the connections queue (workflows/task-queues.ts
 * INTERACTIVE_PRIORITY, docs/architecture.md "Fairness across tenants"). A refresh storm — every token of many
 * tenants due at once, as after a worker outage — queues one refresh per tenant behind the queue's slots; a person
 * connecting meanwhile must not wait for all of them. Real API, worker, PostgreSQL, Temporal (with the new matcher,
 * scripts/services.ts TEMPORAL_DYNAMIC_CONFIG) and the sandbox's oidc-provider, whose token endpoint the test holds
 * shut while the backlog forms and then opens; the order in which the provider granted tokens is the order in
 * which Temporal handed the activities to the worker's one slot.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionWorkflowId, statusQuery } from '../workflows/connection.messages.ts';
import { startTestApi, until, type TestApi } from './helpers.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { gateSandboxTokenEndpoint, type TokenGate } from './sandbox-token-gate.ts';

/** One connections activity slot: every activity but the running one waits in Temporal's queue. */
const SLOTS = 'connections:1';
/** Sandbox access tokens live 8 s, so each is refreshed 6 s after it was issued (lead 25 %). */
const TOKEN_TTL_S = 8;
/** Tenants whose refreshes are due together (a tenant has one sandbox integration). */
const BUSY_TENANTS = 10;

let api: TestApi;
/** Grant types in the order the sandbox issued tokens. */
const grants: string[] = [];
/** The sandbox's token endpoint, held shut while the backlog forms. */
let gate: TokenGate;

beforeAll(async () => {
  api = await startTestApi({ worker: true, env: { PLUGBOARD_WORKER_SLOTS: SLOTS, PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: String(TOKEN_TTL_S) } });
  api.deps.sandbox!.provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    grants.push(String((ctx.oidc?.params as { grant_type?: string } | undefined)?.grant_type));
  });
  gate = gateSandboxTokenEndpoint(api);
});
afterAll(async () => {
  gate?.open();
  await api?.close();
});

/** A new tenant's sandbox integration and its connect URL (the consent page's first step). */
async function startConnect(): Promise<{ id: string; key: string; connectUrl: string }> {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  expect(created.status).toBe(201);
  const id = created.body.data.id as string;
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
  expect(started.status).toBe(201);
  return { id, key, connectUrl: started.body.data.connectUrl as string };
}

describe('interactive work ahead of background work', () => {
  it("a connect's code exchange runs before a backlog of other tenants' scheduled refreshes", async () => {
    const busy = await Promise.all(Array.from({ length: BUSY_TENANTS }, () => startConnect()));
    for (const { connectUrl } of busy) expect((await new ScriptedBrowser().connect(connectUrl)).status).toBe(303);
    for (const { id, key } of busy)
      await until(async () => (await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status === 'active', 30_000, 'connected');

    // The storm: the provider holds every token request; the first scheduled refresh takes the one slot and
    // waits there, the others queue in Temporal as their timers fire.
    gate.shut();
    const client = api.deps.temporal.client.workflow;
    const refreshAts = await Promise.all(busy.map(({ id }) => client.getHandle(connectionWorkflowId(id)).query(statusQuery)));
    const lastDue = Math.max(...refreshAts.map((s) => s.refreshAt ?? Number.POSITIVE_INFINITY));
    expect(Number.isFinite(lastDue)).toBe(true);
    await until(() => gate.arrived >= 1, 30_000, 'the first scheduled refresh at the provider');
    await new Promise((r) => setTimeout(r, Math.max(0, lastDue - Date.now()) + 1_000));
    const grantsBefore = grants.length;

    // A person connects meanwhile: consent, then the callback, which waits for the code exchange.
    const quiet = await startConnect();
    const callback = new ScriptedBrowser().connect(quiet.connectUrl);
    await new Promise((r) => setTimeout(r, 1_500)); // the exchange activity is scheduled behind the backlog
    gate.open();
    expect((await callback).status).toBe(303);
    await until(() => grants.length - grantsBefore >= BUSY_TENANTS + 1, 60_000, 'every refresh and the exchange granted');

    const order = grants.slice(grantsBefore);
    const exchangeAt = order.indexOf('authorization_code');
    // The refresh that held the slot finishes first; the exchange is next, ahead of the other tenants' refreshes
    // (before the change, Temporal served the activities first in, first out: the exchange came last).
    expect(exchangeAt, order.join(' ')).toBeLessThanOrEqual(1);
    expect(order.slice(exchangeAt + 1).filter((g) => g === 'refresh_token').length, order.join(' ')).toBeGreaterThanOrEqual(BUSY_TENANTS - 2);
  }, 120_000);
});
