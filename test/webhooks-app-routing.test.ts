/**
 * App-level webhook routing by (provider, app, account) — docs/security.md E.1 step 8: two tenants connected to
 * the same Slack workspace and the same GitHub account through different apps (tenant A through the operator's
 * app, tenant B through its own client id) each receive only their own app's events; an uninstall of one app
 * leaves the other tenant's integration active; a verified event for no integration is kept as unrouted (its
 * payload encrypted, listed by the CLI without it) and never processed.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Integration, UnroutedWebhookEvent, WebhookEvent } from '../db/entities/index.ts';
import { unroutedPayloadContext } from '../db/repositories/webhook-events.repository.ts';
import { signGithub, signSlack } from '../lib/webhooks/signatures.ts';
import { freshDatabase, startTestApi, type TestApi } from './helpers.ts';

const OPERATOR = { slackSecret: 'operator-slack-signing-secret', slackApp: 'A0OPERATOR', githubSecret: 'operator-github-app-secret', githubApp: '301' };
const OWN = { slackSecret: 'tenant-b-slack-signing-secret', slackApp: 'A0TENANTB', githubSecret: 'tenant-b-github-secret', githubApp: '302' };
const TEAM = 'T0SHARED';
const GITHUB_USER = '1001';
const INSTALL = { a: '5001', b: '6001' };

let api: TestApi;
const a = {} as { key: string; slack: string; github: string };
const b = {} as { key: string; slack: string; github: string };

async function create(key: string, provider: string, secrets?: Record<string, string>): Promise<string> {
  const res = await api.request('POST', '/api/v1/integrations', { key, body: { provider, ...(secrets ? { secrets } : {}) } });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

/** As a completed connect leaves them (activities/connection.activities.ts exchangeCode). */
async function connected(id: string, fields: { externalAccountId: string; oauthAppId: string; externalInstallationId?: string }) {
  await api.deps.orm.em.fork().nativeUpdate(Integration, { id }, { ...fields, status: 'active' });
}

beforeAll(async () => {
  api = await startTestApi({
    worker: true,
    env: {
      PLUGBOARD_SLACK_WEBHOOK_SECRET: OPERATOR.slackSecret,
      PLUGBOARD_GITHUB_APP_WEBHOOK_SECRET: OPERATOR.githubSecret,
      DATABASE_URL: await freshDatabase('routing'),
    },
  });
  a.key = (await api.newTenant('Tenant A (operator app)')).apiKey;
  b.key = (await api.newTenant('Tenant B (own app)')).apiKey;
  a.slack = await create(a.key, 'slack');
  a.github = await create(a.key, 'github-app');
  b.slack = await create(b.key, 'slack', { clientId: 'b-slack-client', clientSecret: 'b-slack-client-secret', webhookSecret: OWN.slackSecret });
  b.github = await create(b.key, 'github-app', { clientId: 'Iv1.tenantb', clientSecret: 'b-gh-client-secret', webhookSecret: OWN.githubSecret });
  await connected(a.slack, { externalAccountId: TEAM, oauthAppId: OPERATOR.slackApp });
  await connected(b.slack, { externalAccountId: TEAM, oauthAppId: OWN.slackApp });
  await connected(a.github, { externalAccountId: GITHUB_USER, oauthAppId: OPERATOR.githubApp, externalInstallationId: INSTALL.a });
  await connected(b.github, { externalAccountId: GITHUB_USER, oauthAppId: OWN.githubApp, externalInstallationId: INSTALL.b });
});
afterAll(() => api?.close());

function slack(path: string, event: Record<string, unknown>, secret: string) {
  const body = JSON.stringify({ type: 'event_callback', event_id: `Ev${randomUUID()}`, ...event });
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlack(body, secret, ts) },
    body,
  });
}

function github(path: string, event: string, payload: Record<string, unknown>, secret: string, appId: string) {
  const body = JSON.stringify(payload);
  return fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': appId,
      'x-hub-signature-256': signGithub(body, secret),
    },
    body,
  });
}

const eventsOf = (integrationId: string) => api.deps.orm.em.fork().find(WebhookEvent, { integrationId }, { orderBy: { id: 'asc' } });
const statusOf = async (id: string) => (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).status;

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('app-level webhook routing (provider, app, account)', () => {
  it('gives each tenant only its own Slack app’s events for a shared workspace', async () => {
    const operatorEvent = await slack('/webhooks/slack', { team_id: TEAM, api_app_id: OPERATOR.slackApp, event: { type: 'message' } }, OPERATOR.slackSecret);
    expect(operatorEvent.status).toBe(200);
    const ownEvent = await slack(`/webhooks/slack/${b.slack}`, { team_id: TEAM, api_app_id: OWN.slackApp, event: { type: 'reaction_added' } }, OWN.slackSecret);
    expect(ownEvent.status).toBe(200);
    expect((await eventsOf(a.slack)).map((e) => e.eventType)).toEqual(['message']);
    expect((await eventsOf(b.slack)).map((e) => e.eventType)).toEqual(['reaction_added']);

    // The operator app's events do not verify on tenant B's own URL: B's app has its own secret, and the
    // operator's secret is never tried for an integration on its own app.
    const crossed = await slack(
      `/webhooks/slack/${b.slack}`,
      { team_id: TEAM, api_app_id: OPERATOR.slackApp, event: { type: 'message' } },
      OPERATOR.slackSecret,
    );
    expect(crossed.status).toBe(401);
    // Nor does B's own app reach A through the app-level URL (signed with B's secret, not the operator's).
    const viaAppUrl = await slack('/webhooks/slack', { team_id: TEAM, api_app_id: OWN.slackApp, event: { type: 'message' } }, OWN.slackSecret);
    expect(viaAppUrl.status).toBe(401);
    expect(await eventsOf(a.slack)).toHaveLength(1);
    expect(await eventsOf(b.slack)).toHaveLength(1);
  });

  it('routes GitHub App deliveries by installation and App id, never by the user id', async () => {
    const res = await github(
      '/webhooks/github-app',
      'issues',
      { action: 'opened', installation: { id: Number(INSTALL.a) } },
      OPERATOR.githubSecret,
      OPERATOR.githubApp,
    );
    expect(res.status).toBe(200);
    expect((await eventsOf(a.github)).map((e) => e.eventType)).toEqual(['issues.opened']);
    expect(await eventsOf(b.github)).toHaveLength(0);
    // B's installation is B's own App's: an operator-signed delivery naming it reaches no one.
    const other = await github(
      '/webhooks/github-app',
      'issues',
      { action: 'opened', installation: { id: Number(INSTALL.b) } },
      OPERATOR.githubSecret,
      OPERATOR.githubApp,
    );
    expect(other.status).toBe(202);
    expect(await eventsOf(b.github)).toHaveLength(0);
    // B's own App on B's URL: its own secret; another installation of that App is refused there.
    const own = await github(
      `/webhooks/github-app/${b.github}`,
      'issues',
      { action: 'closed', installation: { id: Number(INSTALL.b) } },
      OWN.githubSecret,
      OWN.githubApp,
    );
    expect(own.status).toBe(200);
    const foreign = await github(
      `/webhooks/github-app/${b.github}`,
      'issues',
      { action: 'closed', installation: { id: 7777 } },
      OWN.githubSecret,
      OWN.githubApp,
    );
    expect(foreign.status).toBe(401);
    expect((await eventsOf(b.github)).map((e) => e.eventType)).toEqual(['issues.closed']);
  });

  it('an uninstall of one app revokes only that app’s integration; the other tenant stays active', async () => {
    const slackUninstall = await slack(
      '/webhooks/slack',
      { team_id: TEAM, api_app_id: OPERATOR.slackApp, event: { type: 'app_uninstalled' } },
      OPERATOR.slackSecret,
    );
    expect(slackUninstall.status).toBe(200);
    await until('tenant A’s Slack integration to be revoked', async () => (await statusOf(a.slack)) === 'error');
    // Give a wrongly routed copy for tenant B the same time to be processed.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await statusOf(b.slack)).toBe('active');

    const ghUninstall = await github(
      '/webhooks/github-app',
      'installation',
      { action: 'deleted', installation: { id: Number(INSTALL.a) } },
      OPERATOR.githubSecret,
      OPERATOR.githubApp,
    );
    expect(ghUninstall.status).toBe(200);
    await until('tenant A’s GitHub App integration to be revoked', async () => (await statusOf(a.github)) === 'error');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await statusOf(b.github)).toBe('active');
    expect((await eventsOf(b.slack)).map((e) => e.eventType)).not.toContain('app_uninstalled');
    expect((await eventsOf(b.github)).map((e) => e.eventType)).not.toContain('installation.deleted');
  });

  it('keeps a verified event for no integration as unrouted: encrypted, never processed, listed by the CLI without its payload', async () => {
    const before = await api.deps.orm.em.fork().count(WebhookEvent, {});
    const res = await slack(
      '/webhooks/slack',
      { team_id: 'T0NOBODY', api_app_id: OPERATOR.slackApp, event: { type: 'app_uninstalled', text: 'unrouted-marker' } },
      OPERATOR.slackSecret,
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ received: true, routed: 0 });
    expect(await api.deps.orm.em.fork().count(WebhookEvent, {})).toBe(before);
    const kept = await api.deps.orm.em.fork().findOneOrFail(UnroutedWebhookEvent, { accountId: 'T0NOBODY' });
    expect(kept).toMatchObject({ provider: 'slack', eventType: 'app_uninstalled', appId: OPERATOR.slackApp });
    expect(kept.payload.startsWith('enc:')).toBe(true);
    expect(api.deps.vault.decrypt(kept.payload, unroutedPayloadContext(kept))).toContain('unrouted-marker');

    const metrics = await api.request('GET', '/metrics');
    expect(String(metrics.body)).toMatch(/plugboard_webhook_requests_total\{provider="slack",outcome="unrouted"\} [1-9]/);

    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/cli.ts', 'webhooks', 'unrouted', '--json'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', DATABASE_URL: api.deps.env.DATABASE_URL!, PLUGBOARD_DATA_DIR: api.deps.env.PLUGBOARD_DATA_DIR },
      timeout: 60_000,
    });
    const listed = JSON.parse(stdout) as Record<string, unknown>[];
    expect(listed.find((r) => r.accountId === 'T0NOBODY')).toMatchObject({ provider: 'slack', eventType: 'app_uninstalled', appId: OPERATOR.slackApp });
    expect(stdout).not.toContain('unrouted-marker');
    expect(stdout).not.toContain('enc:');
  });
});
