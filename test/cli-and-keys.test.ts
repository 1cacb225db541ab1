import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSecrets, writeCredentials } from '../db/credentials.ts';
import { EventEndpoint, Integration, TenantEvent, WebhookEvent } from '../db/entities/index.ts';
import { openEventData, signingSecrets } from '../db/event-endpoint-secrets.ts';
import { EventEndpointRepository } from '../db/repositories/event-endpoints.repository.ts';
import { emitTenantEvent } from '../db/tenant-events.ts';
import { insertWebhookEvent, readEventPayload } from '../db/repositories/webhook-events.repository.ts';
import { openOrm } from '../db/orm.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import { createTenant } from '../db/repositories/tenants.repository.ts';
import { assertKeyringMatches } from '../db/key-check.ts';
import { generateKeySpec, parseKeyring, Vault } from '../lib/vault.ts';
import { freshDatabase, startTestApi, type TestApi } from './helpers.ts';

const run = promisify(execFile);

function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['scripts/cli.ts', ...args], { env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env }, timeout: 60_000 });
}

function server(entry: string, env: Record<string, string>) {
  return run(process.execPath, [entry], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 }).then(
    () => ({ code: 0, stderr: '', stdout: '' }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('plugboard CLI', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('tenant create --json prints only {tenantId, apiKey}, and the key works on the API', async () => {
    const { stdout } = await cli(['tenant', 'create', 'Acme', 'Corp', '--json'], {
      DATABASE_URL: inject('databaseUrl'),
      PLUGBOARD_ENCRYPTION_KEYS: inject('encryptionKeys'),
    });
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed).sort()).toEqual(['apiKey', 'tenantId']);
    expect(printed.tenantId).toMatch(/^ten_/);
    expect(printed.apiKey).toMatch(/^pbk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const created = await api.request('POST', '/api/v1/integrations', { key: printed.apiKey, body: { provider: 'sandbox' } });
    expect(created.status).toBe(201);
    const list = await api.request('GET', '/api/v1/integrations', { key: printed.apiKey });
    expect(list.body.data).toHaveLength(1);
  });

  it('apikey create adds a working key and apikey revoke makes it answer 401', async () => {
    const env = { DATABASE_URL: inject('databaseUrl'), PLUGBOARD_ENCRYPTION_KEYS: inject('encryptionKeys') };
    const { tenantId } = JSON.parse((await cli(['tenant', 'create', 'Keys Inc', '--json'], env)).stdout);
    const second = JSON.parse((await cli(['apikey', 'create', tenantId, '--name', 'backend', '--json'], env)).stdout);
    expect((await api.request('GET', '/api/v1/integrations', { key: second.apiKey })).status).toBe(200);
    await cli(['apikey', 'revoke', tenantId, second.keyId], env);
    const res = await api.request('GET', '/api/v1/integrations', { key: second.apiKey });
    expect(res.status).toBe(401);
  });

  it('explains usage errors with exit code 2', async () => {
    const failed = await cli(['tenant', 'create'], { DATABASE_URL: inject('databaseUrl') }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/tenant create needs a name/);
  });
});

describe('keys rotate', () => {
  it('re-encrypts every row with the newest key while writes go on, and every row stays readable', async () => {
    const databaseUrl = await freshDatabase('rotation');
    const k1 = generateKeySpec('v1');
    const k2 = generateKeySpec('v2');
    const oldVault = new Vault(parseKeyring(k1));
    const newVault = new Vault(parseKeyring(`${k2},${k1}`));
    const orm = await openOrm(databaseUrl);
    try {
      const em = orm.em.fork();
      await assertKeyringMatches(em, oldVault);
      const expected = new Map<string, string>();
      for (let t = 0; t < 3; t++) {
        const tenant = await createTenant(em, `rot-${t}`);
        const repo = new IntegrationRepository(orm.em.fork(), tenant.id, oldVault);
        for (const provider of ['slack', 'github', 'notion', 'gmail', 'zoom']) {
          const secret = `secret-${t}-${provider}`;
          const integration = await repo.create({ provider, secrets: { clientSecret: secret } });
          writeCredentials(oldVault, integration, { accessToken: `at-${secret}`, refreshToken: `rt-${secret}` });
          await repo.em.flush();
          expected.set(integration.id, secret);
        }
      }
      const firstId = [...expected.keys()][0]!;
      const firstTenant = (await orm.em.fork().findOneOrFail(Integration, { id: firstId })).tenantId;
      const { event } = await insertWebhookEvent(orm.em.fork(), oldVault, {
        tenantId: firstTenant,
        integrationId: firstId,
        provider: 'slack',
        eventType: 'message',
        deliveryId: 'd-1',
        payload: '{"text":"user data"}',
      });
      // A tenant event endpoint (its signing secret, rotated once so a previous secret is stored too) and an event.
      const endpoints = new EventEndpointRepository(orm.em.fork(), firstTenant, oldVault);
      const { endpoint, secret: firstSecret } = await endpoints.create({ url: 'https://tenant.example/events', description: 'rotation', eventTypes: null });
      const { secret: rotated } = await endpoints.rotateSecret(endpoint.id);
      const eventEm = orm.em.fork();
      const tenantEvent = await emitTenantEvent(eventEm, oldVault, { tenantId: firstTenant, type: 'integration.connected', data: { integrationId: firstId } });
      await eventEm.flush();
      expect(tenantEvent).not.toBeNull();
      // Rotate while another writer keeps updating rows with the new ring (a live service after restart).
      const writer = (async () => {
        const ids = [...expected.keys()];
        for (let i = 0; i < 30; i++) {
          const wem = orm.em.fork();
          const row = await wem.findOneOrFail(Integration, { id: ids[i % ids.length]! });
          const repo = new IntegrationRepository(wem, row.tenantId, newVault);
          await repo.update(row.id, { secrets: { extra: `w${i}` } });
        }
      })();
      const { stdout } = await cli(['keys', 'rotate'], { DATABASE_URL: databaseUrl, PLUGBOARD_ENCRYPTION_KEYS: `${k2},${k1}` });
      await writer;
      const report = JSON.parse(stdout);
      expect(report.activeKid).toBe('v2');
      expect(report.remainingOnOldKeys).toEqual({});

      const rows = await orm.em.fork().find(Integration, {});
      expect(rows).toHaveLength(15);
      for (const row of rows) {
        expect(row.keyId).toBe('v2');
        expect(row.secrets).toMatch(/^enc:v1:v2:/);
        expect(row.credentials).toMatch(/^enc:v1:v2:/);
        expect(readSecrets(newVault, row).clientSecret).toBe(expected.get(row.id));
        expect(() => readSecrets(oldVault, row)).toThrow(/v2 is not in PLUGBOARD_ENCRYPTION_KEYS/);
      }
      const storedEvent = await orm.em.fork().findOneOrFail(WebhookEvent, { id: event.id });
      expect(storedEvent.keyId).toBe('v2');
      expect(readEventPayload(newVault, storedEvent)).toBe('{"text":"user data"}');
      const storedEndpoint = await orm.em.fork().findOneOrFail(EventEndpoint, { id: endpoint.id });
      expect(storedEndpoint.keyId).toBe('v2');
      expect(signingSecrets(newVault, storedEndpoint).sort()).toEqual([firstSecret, rotated].sort());
      const storedTenantEvent = await orm.em.fork().findOneOrFail(TenantEvent, { id: tenantEvent!.id });
      expect(storedTenantEvent.keyId).toBe('v2');
      expect(openEventData(newVault, storedTenantEvent)).toEqual({ integrationId: firstId });
      // v1 can now be dropped: a v2-only ring passes the startup check.
      await assertKeyringMatches(orm.em.fork(), new Vault(parseKeyring(k2)));
    } finally {
      await orm.close();
    }
  });
});

describe('startup key checks', () => {
  it('refuses to start the API in production without PLUGBOARD_ENCRYPTION_KEYS', async () => {
    const result = await server('api/server.ts', { NODE_ENV: 'production', DATABASE_URL: inject('databaseUrl'), PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/PLUGBOARD_ENCRYPTION_KEYS is required in production/);
  });

  it('refuses to start with a key that cannot decrypt the stored rows (wrong v1, or v1 missing)', async () => {
    const databaseUrl = await freshDatabase('wrongkey');
    const k1 = generateKeySpec('v1');
    const orm = await openOrm(databaseUrl);
    const vault = new Vault(parseKeyring(k1));
    await assertKeyringMatches(orm.em.fork(), vault);
    const tenant = await createTenant(orm.em.fork(), 'keyed');
    await new IntegrationRepository(orm.em.fork(), tenant.id, vault).create({ provider: 'slack', secrets: { clientSecret: 'x' } });
    await orm.close();

    const wrong = await server('api/server.ts', {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: '0',
      PLUGBOARD_ENCRYPTION_KEYS: generateKeySpec('v1'),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout + wrong.stderr).toMatch(/v1 in PLUGBOARD_ENCRYPTION_KEYS is not the key that encrypted the stored data/);

    const missing = await server('workers/main.ts', { NODE_ENV: 'production', DATABASE_URL: databaseUrl, PLUGBOARD_ENCRYPTION_KEYS: generateKeySpec('v2') });
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toMatch(/missing from PLUGBOARD_ENCRYPTION_KEYS: v1 \(1 rows\)/);

    const malformed = await server('api/server.ts', { NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: '0', PLUGBOARD_ENCRYPTION_KEYS: 'v1:tooshort' });
    expect(malformed.code).toBe(1);
    expect(malformed.stdout + malformed.stderr).toMatch(/must decode to 32 bytes/);
  });
});
