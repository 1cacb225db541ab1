import type { EntityManager } from '@mikro-orm/postgresql';
import type { Vault } from '../lib/vault.ts';
import { EncryptionKey } from './entities/index.ts';

/** Tables whose rows carry vault ciphertexts, with the column naming the key that wrote them. */
export const ENCRYPTED_TABLES = [
  'integration',
  'custom_provider',
  'oauth_flow',
  'webhook_event',
  'unrouted_webhook_event',
  'event_endpoint',
  'tenant_event',
] as const;

/**
 * Refuses to run with a keyring that cannot decrypt what is stored: a known key id with a different key
 * (check value mismatch), or rows written by a key id the ring lacks. Registers check values of new keys.
 */
export async function assertKeyringMatches(em: EntityManager, vault: Vault): Promise<void> {
  const known = await em.find(EncryptionKey, {});
  for (const row of known) {
    if (vault.keyring.keys.has(row.kid) && vault.checkValue(row.kid) !== row.checkValue) {
      throw new Error(
        `encryption key ${row.kid} in PLUGBOARD_ENCRYPTION_KEYS is not the key that encrypted the stored data. ` +
          `Restore the original ${row.kid} (or add the new key under a new id such as v${nextVersion(vault)} and keep ${row.kid}).`,
      );
    }
  }
  const used = await keyIdsInUse(em);
  const missing = [...used.entries()].filter(([kid]) => !vault.keyring.keys.has(kid));
  if (missing.length) {
    const list = missing.map(([kid, n]) => `${kid} (${n} rows)`).join(', ');
    throw new Error(
      `stored data is encrypted with keys missing from PLUGBOARD_ENCRYPTION_KEYS: ${list}. Add them back; remove a key only after \`plugboard keys rotate\` reports 0 rows for it.`,
    );
  }
  for (const kid of vault.keyring.keys.keys()) {
    if (!known.some((k) => k.kid === kid)) {
      await em
        .getConnection()
        .execute('insert into encryption_key (kid, check_value, created_at) values (?, ?, now()) on conflict (kid) do nothing', [kid, vault.checkValue(kid)]);
    }
  }
}

/** Rows per key id across every encrypted table. */
export async function keyIdsInUse(em: EntityManager): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of ENCRYPTED_TABLES) {
    const rows = await em
      .getConnection()
      .execute<{ key_id: string; n: number }[]>(`select key_id, count(*)::int as n from "${table}" where key_id is not null group by key_id`);
    for (const r of rows) counts.set(r.key_id, (counts.get(r.key_id) ?? 0) + r.n);
  }
  return counts;
}

function nextVersion(vault: Vault): number {
  return Math.max(...[...vault.keyring.keys.keys()].map((k) => Number(k.slice(1)))) + 1;
}
