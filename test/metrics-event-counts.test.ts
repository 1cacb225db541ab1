/**
 * The /metrics gauge `plugboard_webhook_events{status}` runs on every scrape: it must not read the whole
 * webhook_event table, nearly all of it `processed` (db/repositories/stats.repository.ts). Real PostgreSQL.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm } from '../db/orm.ts';
import { WEBHOOK_EVENT_COUNTS_SQL, webhookEventCounts } from '../db/repositories/stats.repository.ts';
import { freshDatabase } from './helpers.ts';

let orm: MikroORM;
const PROCESSED = 20_000;
const PENDING = 7;
const FAILED = 3;

/** Every plan node that reads webhook_event, with how it reads it. */
function scansOf(plan: unknown): { node: string; index?: string }[] {
  const out: { node: string; index?: string }[] = [];
  const walk = (n: Record<string, unknown>) => {
    if (n['Relation Name'] === 'webhook_event') out.push({ node: String(n['Node Type']), index: n['Index Name'] as string | undefined });
    for (const child of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk((plan as [{ Plan: Record<string, unknown> }])[0].Plan);
  return out;
}

async function explain(sql: string): Promise<{ node: string; index?: string }[]> {
  const [row] = await orm.em.getConnection().execute<{ 'QUERY PLAN': unknown }[]>(`explain (format json) ${sql}`);
  return scansOf(row!['QUERY PLAN']);
}

beforeAll(async () => {
  orm = await openOrm(await freshDatabase('event-counts'));
  const db = orm.em.getConnection();
  // No autovacuum here: the test decides when the table is analyzed.
  await db.execute('alter table webhook_event set (autovacuum_enabled = false)');
  const insert = (n: number, status: string) =>
    db.execute(
      `insert into webhook_event (id, tenant_id, integration_id, provider, event_type, delivery_id, payload, status, created_at)
       select 'evt_' || ? || '_' || g, 'ten_counts', 'int_counts', 'sandbox', 'item.updated', ? || '_' || g, 'enc:x', ?, now() - make_interval(secs => g)
       from generate_series(1, ?) g`,
      [status, status, status, n],
    );
  await insert(PROCESSED, 'processed');
  await insert(PENDING, 'pending');
  await insert(FAILED, 'failed');
});
afterAll(async () => {
  await orm?.close();
});

describe('plugboard_webhook_events (the /metrics gauge)', () => {
  it('counts every status exactly while the table has never been analyzed', async () => {
    expect(await webhookEventCounts(orm.em.fork())).toEqual({ pending: PENDING, failed: FAILED, processed: PROCESSED });
  });

  it('then reads pending and failed through the status index and takes processed from the row estimate, never scanning the table', async () => {
    await orm.em.getConnection().execute('vacuum analyze webhook_event');
    // ANALYZE reads every row of a table this small: the estimate is exact here.
    expect(await webhookEventCounts(orm.em.fork())).toEqual({ pending: PENDING, failed: FAILED, processed: PROCESSED });
    const scans = await explain(WEBHOOK_EVENT_COUNTS_SQL);
    expect(scans).toHaveLength(2);
    for (const scan of scans) {
      expect(scan.node).toMatch(/^Index (Only )?Scan$/);
      expect(scan.index).toBeDefined();
    }
    // What it replaces: a count of every row, by status.
    expect((await explain('select status, count(*) from webhook_event group by status')).map((s) => s.node)).toContain('Seq Scan');
  });
});
