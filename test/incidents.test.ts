/**
 * Provider incidents (issue 14 item 4) end to end on the real stack (API with the sandbox authorization server,
 * worker, built dashboard as child processes; PostgreSQL; Temporal): ten tenants each connect a sandbox
 * integration with 20-second tokens, the sandbox's token endpoint goes "down" (a 400 invalid_grant storm), an
 * incident opens instead of ten reauthorizations, `provider.incident_started` reaches every tenant (verified with
 * the `standardwebhooks` library), the dashboard shows the banner in Chromium; the sandbox comes back, the incident
 * resolves by itself, `provider.incident_resolved` goes out, tokens refresh again and the banner goes.
 * Windows are shortened through env overrides only (production defaults: lib/env.ts).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Integration, IntegrationLog } from '../db/entities/index.ts';
import { openOrm, type MikroORM } from '../db/orm.ts';
import { createApiKey } from '../db/repositories/api-keys.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { WORKFLOWS_PATH } from '../workers/create-worker.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { startStack, type Stack } from './e2e/stack.ts';
import { startEventReceiver, type EventReceiver, type ReceivedRequest } from './event-receiver.ts';
import { freshDatabase, until } from './helpers.ts';
import { ScriptedBrowser } from './oauth-browser.ts';

const TENANTS = 10;
const SHOTS = path.resolve('test-results/screenshots');

let receiver: EventReceiver;
let received: ReceivedRequest[];

let stack: Stack;
let orm: MikroORM;
let browser: Browser;
let receiverUrl: string;
const tenants: { tenantId: string; apiKey: string; integrationId: string; secret: string; path: string }[] = [];

async function api<T = any>(method: string, urlPath: string, key: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(stack.url + urlPath, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

async function tokenEndpoint(mode: 'up' | 'invalid_grant' | 'unavailable'): Promise<void> {
  const res = await fetch(`${stack.url}/sandbox/admin/token-endpoint?mode=${mode}`, { method: 'POST' });
  expect(res.status).toBe(200);
}

/** The events of one type a tenant's endpoint received, each verified with the `standardwebhooks` library. */
function eventsOf(tenant: (typeof tenants)[number], type: string): { type: string; timestamp: string; data: Record<string, any> }[] {
  return received
    .filter((r) => r.path === tenant.path)
    .map((r) => new Webhook(tenant.secret).verify(r.body, r.headers) as { type: string; timestamp: string; data: Record<string, any> })
    .filter((e) => e.type === type);
}

async function integrations(): Promise<Integration[]> {
  return orm.em.fork().find(Integration, { id: { $in: tenants.map((t) => t.integrationId) } });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  receiver = await startEventReceiver();
  received = receiver.received;
  receiverUrl = receiver.url;
  const databaseUrl = await freshDatabase('incidents');
  stack = await startStack(
    { databaseUrl, temporalAddress: inject('temporalAddress'), encryptionKeys: inject('encryptionKeys'), dataDir: inject('dataDir') },
    {
      env: {
        PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL: '20',
        // Production: 10m window, 5m quiet period, 2m probes, 1m confirm delay, 30s checks (lib/env.ts).
        PLUGBOARD_INCIDENT_WINDOW: '2m',
        PLUGBOARD_INCIDENT_QUIET_PERIOD: '4s',
        PLUGBOARD_INCIDENT_PROBE_INTERVAL: '3s',
        PLUGBOARD_INCIDENT_CONFIRM_DELAY: '6s',
        PLUGBOARD_INCIDENT_CHECK_INTERVAL: '1s',
        PLUGBOARD_EVENT_RETRY_SCHEDULE: '0,2s,2s',
        PLUGBOARD_SWEEP_INTERVAL_MS: '1000',
      },
    },
  );
  orm = await openOrm(databaseUrl);
  for (let i = 0; i < TENANTS; i++) {
    const em = orm.em.fork();
    const tenant = await createTenant(em, `Incident tenant ${i}`);
    const { plaintext: apiKey } = await createApiKey(em, tenant.id, 'test');
    const endpoint = await api('POST', '/api/v1/event-endpoints', apiKey, { url: `${receiverUrl}/t${i}`, description: `tenant ${i}` });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    const created = await api('POST', '/api/v1/integrations', apiKey, { provider: 'sandbox', displayName: `Sandbox ${i}` });
    expect(created.status).toBe(201);
    const started = await api('POST', `/api/v1/integrations/${created.body.data.id}/connect`, apiKey, {});
    expect(started.status).toBe(201);
    expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
    tenants.push({ tenantId: tenant.id, apiKey, integrationId: created.body.data.id, secret: endpoint.body.data.secret, path: `/t${i}` });
  }
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await orm?.close(true);
  await stack?.stop();
  await receiver?.close();
});

describe('provider incidents', () => {
  it('opens an incident instead of reauthorizations when the sandbox refuses every grant, shows the banner, and resolves by itself when it recovers', async () => {
    await until(async () => (await integrations()).every((i) => i.status === 'active' && i.tokenExpiresAt), 30_000, 'ten connected integrations');
    const first = tenants[0]!;
    expect((await api('GET', '/api/v1/incidents', first.apiKey)).body.data).toEqual([]);

    // ── the provider goes down: every refresh gets 400 invalid_grant ──
    await tokenEndpoint('invalid_grant');
    const incident = await until(
      async () => (await api('GET', '/api/v1/incidents?status=open', first.apiKey)).body.data[0],
      60_000,
      'an open sandbox incident',
    );
    expect(incident).toMatchObject({ provider: 'sandbox', status: 'open', resolvedAt: null });
    expect(incident.failurePercent).toBeGreaterThanOrEqual(20);
    expect(incident.reason).toMatch(/invalid_grant/);

    // provider.incident_started reaches every tenant with a sandbox integration, signed (Standard Webhooks).
    await until(() => tenants.every((t) => eventsOf(t, 'provider.incident_started').length === 1), 30_000, 'provider.incident_started at every tenant');
    for (const t of tenants) {
      const [event] = eventsOf(t, 'provider.incident_started');
      expect(event!.data).toMatchObject({ incidentId: incident.incidentId, provider: 'sandbox', status: 'open', integrationIds: [t.integrationId] });
    }

    // The banner, on every page, in Chromium.
    const context = await browser.newContext({ baseURL: stack.url, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/signin');
    await page.getByLabel('API key').fill(first.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    const banner = page.getByTestId('incident-banner');
    await expect.poll(() => banner.textContent(), { timeout: 20_000 }).toMatch(/Provider incident: sandbox/);
    await page.screenshot({ path: path.join(SHOTS, 'incident-banner.png'), fullPage: true });
    await page.goto(`/integrations/${first.integrationId}`);
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(true);

    // Every integration fails its refresh during the incident and is held, none turns to "reauthorization required".
    const held = await until(
      async () => {
        const rows = await integrations();
        return rows.every((i) => i.lastError?.startsWith('Held during a provider incident')) && rows;
      },
      60_000,
      'every integration held',
    );
    for (const row of held) {
      expect(row.status).toBe('error');
      expect(row.lastError).not.toMatch(/Reauthorization required/);
    }
    const reauthLogs = await orm.em
      .fork()
      .count(IntegrationLog, { integrationId: { $in: tenants.map((t) => t.integrationId) }, message: { $like: '%Reauthorization required%' } });
    expect(reauthLogs).toBe(0);
    expect(tenants.flatMap((t) => eventsOf(t, 'integration.reauthorization_required'))).toEqual([]);
    // Still open while the provider is down (probes keep failing).
    expect((await api('GET', '/api/v1/incidents?status=open', first.apiKey)).body.data).toHaveLength(1);

    // ── the provider recovers: the probes succeed, the incident resolves by itself ──
    const upAt = new Date();
    await tokenEndpoint('up');
    const resolved = await until(
      async () =>
        (await api('GET', '/api/v1/incidents', first.apiKey)).body.data.find((i: any) => i.incidentId === incident.incidentId && i.status === 'resolved'),
      60_000,
      'the incident resolved',
    );
    expect(new Date(resolved.resolvedAt).getTime()).toBeGreaterThan(upAt.getTime());
    expect((await api('GET', '/api/v1/incidents?status=open', first.apiKey)).body.data).toEqual([]);
    await until(() => tenants.every((t) => eventsOf(t, 'provider.incident_resolved').length === 1), 30_000, 'provider.incident_resolved at every tenant');
    for (const t of tenants) expect(eventsOf(t, 'provider.incident_resolved')[0]!.data).toMatchObject({ incidentId: incident.incidentId, status: 'resolved' });

    // Tokens refresh again on their own: every integration active, with a refresh logged after the recovery.
    await until(
      async () => {
        const rows = await integrations();
        if (!rows.every((i) => i.status === 'active' && (i.tokenExpiresAt?.getTime() ?? 0) > Date.now())) return false;
        const refreshed = await orm.em
          .fork()
          .count(IntegrationLog, { integrationId: { $in: rows.map((r) => r.id) }, kind: 'refreshed', createdAt: { $gt: upAt } });
        return refreshed >= TENANTS;
      },
      60_000,
      'every integration refreshed after the recovery',
    );

    // The held run replays (its `provider-incident-hold` marker included); SAVE_HISTORY_FIXTURE keeps it as a fixture.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection });
      const history = await client.workflow.getHandle(connectionWorkflowId(first.integrationId)).fetchHistory();
      const patches = (history.events ?? []).flatMap((e) =>
        (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map((p) =>
          typeof p.data === 'string' ? Buffer.from(p.data, 'base64').toString() : Buffer.from(p.data ?? []).toString(),
        ),
      );
      expect(patches.join()).toContain('provider-incident-hold');
      await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history);
      if (process.env.SAVE_HISTORY_FIXTURE) {
        const args = ['workflow', 'show', '-w', connectionWorkflowId(first.integrationId), '--address', inject('temporalAddress'), '-o', 'json'];
        writeFileSync(process.env.SAVE_HISTORY_FIXTURE, (await promisify(execFile)(process.env.TEMPORAL_CLI!, args)).stdout);
      }
    } finally {
      await connection.close();
    }

    // The banner is gone.
    await page.goto('/');
    await page.getByRole('heading').first().waitFor();
    expect(await banner.count()).toBe(0);
    await context.close();
  }, 300_000);
});
