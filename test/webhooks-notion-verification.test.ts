/**
 * Notion's verification handshake (docs/security.md C.3): an unauthenticated POST that carries the future
 * signing key. It is kept pending under the row lock PATCH takes (no lost update of the integration's
 * secrets), at most once a minute per integration (no log flood), and shown to an admin exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSecrets } from '../db/credentials.ts';
import { Integration, IntegrationLog } from '../db/entities/index.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
let key: string;

beforeAll(async () => {
  api = await startTestApi();
  key = (await api.newTenant('Notion handshake tenant')).apiKey;
});
afterAll(() => api?.close());

async function notionIntegration(): Promise<string> {
  // Another tenant: one Notion integration per tenant.
  const tenantKey = (await api.newTenant()).apiKey;
  key = tenantKey;
  const res = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'notion' } });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

const handshake = (id: string, token: string) =>
  fetch(`${api.url}/webhooks/notion/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ verification_token: token }),
  });

const handshakeLogs = (integrationId: string) => api.deps.orm.em.fork().count(IntegrationLog, { integrationId, kind: 'webhook_handshake' });
const secretsOf = async (id: string) => readSecrets(api.deps.vault, await api.deps.orm.em.fork().findOneOrFail(Integration, { id }));

describe('Notion verification handshake', () => {
  it('answers every handshake 200 but stores at most one a minute: 25 concurrent POSTs leave one pending token and one log row', async () => {
    const id = await notionIntegration();
    const tokens = Array.from({ length: 25 }, (_, i) => `secret_handshake_${i}_${Math.random().toString(36).slice(2)}`);
    const answers = await Promise.all(tokens.map((t) => handshake(id, t)));
    expect(answers.map((r) => r.status)).toEqual(tokens.map(() => 200));
    expect(await handshakeLogs(id)).toBe(1);
    const pending = (await secretsOf(id)).notionVerificationTokenPending;
    expect(tokens).toContain(pending);
    // The same token again, and another one within the minute: still 200, nothing written.
    expect((await handshake(id, pending!)).status).toBe(200);
    expect((await handshake(id, 'secret_late_one')).status).toBe(200);
    expect(await handshakeLogs(id)).toBe(1);
    expect((await secretsOf(id)).notionVerificationTokenPending).toBe(pending);
  });

  it('shows the pending token once (no-store), then clears it; GET tells whether one is waiting', async () => {
    const id = await notionIntegration();
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.webhookVerificationPending).toBe(false);
    const none = await api.request('POST', `/api/v1/integrations/${id}/webhook-verification`, { key });
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('no_pending_verification');

    expect((await handshake(id, 'secret_reveal_me')).status).toBe(200);
    const state = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(state.body.data.webhookVerificationPending).toBe(true);
    expect(JSON.stringify(state.body)).not.toContain('secret_reveal_me');

    const revealed = await api.request('POST', `/api/v1/integrations/${id}/webhook-verification`, { key });
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    expect(revealed.body.data).toEqual({ verificationToken: 'secret_reveal_me' });
    const again = await api.request('POST', `/api/v1/integrations/${id}/webhook-verification`, { key });
    expect(again.status).toBe(404);
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.webhookVerificationPending).toBe(false);
    // Another tenant's key cannot take it.
    const stranger = await api.newTenant('stranger');
    expect((await api.request('POST', `/api/v1/integrations/${id}/webhook-verification`, { key: stranger.apiKey })).status).toBe(404);
    // The admin confirms it as the webhook secret; signed deliveries verify with it from then on.
    expect((await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { secrets: { webhookSecret: 'secret_reveal_me' } } })).status).toBe(200);
  });

  it('writes under the row lock PATCH takes: it waits for a holder and keeps what the holder wrote', async () => {
    const id = await notionIntegration();
    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    const client = new pg.Client({ connectionString: api.deps.env.DATABASE_URL });
    await client.connect();
    try {
      // A second connection holds the row, as PATCH /integrations/:id does, and sets a webhook secret.
      await client.query('begin');
      await client.query('select id from integration where id = $1 for update', [id]);
      let answered = false;
      const pending = handshake(id, 'secret_while_locked').then((r) => {
        answered = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 800));
      expect(answered).toBe(false);
      const secrets = api.deps.vault.encryptJson(
        { webhookSecret: 'secret_set_by_patch' },
        { tenantId: row.tenantId, entity: 'integration', id, field: 'secrets' },
      );
      await client.query('update integration set secrets = $1, key_id = $2 where id = $3', [secrets, api.deps.vault.activeKid, id]);
      await client.query('commit');
      expect((await pending).status).toBe(200);
    } finally {
      await client.end();
    }
    // Neither write is lost: the handshake re-read the secrets under the lock.
    expect(await secretsOf(id)).toMatchObject({ webhookSecret: 'secret_set_by_patch', notionVerificationTokenPending: 'secret_while_locked' });
  });
});
