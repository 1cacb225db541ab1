/**
 * What PostgreSQL does per webhook event (issue #12's throughput): the writes of one event's life on
 * `webhook_event`, through the code that makes them — the ingest's group-commit insert (db/webhook-event-writer.ts),
 * the dispatcher's claim, a batch's read, its forward-attempt count and its finish (db/repositories/
 * webhook-dispatch.repository.ts, webhook-events.repository.ts) — in two databases of one PostgreSQL, one per table
 * layout, run in rounds (the order rotating) so all see the same host. Per event it prints PostgreSQL's CPU (the
 * postmaster and its backends), the WAL it writes, how many row updates were HOT (no index entries written), and the
 * table (TOAST included) and index size left behind, each candidate layout as a ratio to the current one.
 *
 *   npm run bench -- webhook-event-writes [--events 40000] [--rounds 4] [--integrations 8] [--fillfactor 85] [--payload-bytes 1200]
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MikroORM } from '@mikro-orm/postgresql';
import { migrate, openOrm } from '../db/orm.ts';
import { claimUndispatchedIntegrations, finishEvents, nextPendingEvents } from '../db/repositories/webhook-dispatch.repository.ts';
import { recordForwardAttempts } from '../db/repositories/webhook-events.repository.ts';
import { WebhookEventWriter } from '../db/webhook-event-writer.ts';
import { createLogger } from '../lib/logger.ts';
import { generateKeySpec, parseKeyring, Vault } from '../lib/vault.ts';
import { freePort, progress, startEmbeddedPostgres } from '../scripts/services.ts';
import { treeCpuMs } from './lib/cpu.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'webhook-event-writes'),
  options: {
    events: { type: 'string', default: '40000' },
    rounds: { type: 'string', default: '4' },
    integrations: { type: 'string', default: '8' },
    fillfactor: { type: 'string', default: '85' },
    'payload-bytes': { type: 'string', default: '1200' },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Math.max(1, Number(values.rounds));
const INTEGRATIONS = Math.max(1, Number(values.integrations));
const FILLFACTOR = Math.min(100, Math.max(10, Number(values.fillfactor)));
const PAYLOAD_BYTES = Number(values['payload-bytes']);
/** As the flood sees them: the dispatcher claims up to 500, a fast-lane batch reads 200. */
const CLAIM = 500;
const BATCH = 200;

interface Layout {
  name: string;
  database: string;
  /** Applied after the migrations. */
  change: string[];
}
/** The migrated layout, and the same with a lower fillfactor (room on each page for HOT updates). */
const layouts: Layout[] = [
  { name: 'as migrated', database: 'writes_current', change: [] },
  { name: `fillfactor ${FILLFACTOR}`, database: 'writes_candidate', change: [`alter table webhook_event set (fillfactor = ${FILLFACTOR})`] },
];

interface Totals {
  events: number;
  cpuMs: number;
  walBytes: number;
}

const dataDir = path.resolve('.data', `bench-webhook-event-writes-${Date.now()}`);
progress(
  `webhook_event writes: ${EVENTS.toLocaleString()} events per layout in ${ROUNDS} rounds, ${INTEGRATIONS} integrations, ${PAYLOAD_BYTES}-byte payloads`,
);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort() });
const admin = await openOrm(pg.url);
const logger = createLogger({ level: 'warn' });
const vault = new Vault(parseKeyring(generateKeySpec('v1')));
const opened: { layout: Layout; orm: MikroORM; writer: WebhookEventWriter; url: string; totals: Totals }[] = [];

const walLsn = async () => {
  const rows = await admin.em.getConnection().execute<{ lsn: string }[]>(`select pg_current_wal_lsn()::text as lsn`);
  const [hi, lo] = rows[0]!.lsn.split('/').map((h) => BigInt(`0x${h}`));
  return Number((hi! << 32n) + lo!);
};

try {
  for (const layout of layouts) {
    await admin.em.getConnection().execute(`create database ${layout.database}`);
    const url = pg.url.replace(/\/[^/?]+(\?|$)/, `/${layout.database}$1`);
    const orm = await openOrm(url);
    await migrate(orm);
    for (const sql of layout.change) await orm.em.getConnection().execute(sql);
    opened.push({ layout, orm, url, writer: new WebhookEventWriter({ databaseUrl: url, vault, logger }), totals: { events: 0, cpuMs: 0, walBytes: 0 } });
  }

  /** One event's life for `count` events: ingest, claim, read, attempt, finish; per integration in arrival order. */
  async function run(target: (typeof opened)[number], count: number, round: number): Promise<void> {
    const payload = randomBytes(Math.ceil((PAYLOAD_BYTES * 3) / 4)).toString('base64');
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      writes.push(
        target.writer.write({
          tenantId: 'ten_bench',
          integrationId: `int_bench_${i % INTEGRATIONS}`,
          provider: 'sandbox',
          eventType: 'item.updated',
          deliveryId: `msg_${round}_${i}`,
          payload,
        }),
      );
    }
    await Promise.all(writes);
    const em = target.orm.em.fork();
    for (;;) {
      const { claimed } = await claimUndispatchedIntegrations(em, CLAIM);
      if (!claimed) break;
    }
    for (let n = 0; n < INTEGRATIONS; n++) {
      for (;;) {
        const events = await nextPendingEvents(em, `int_bench_${n}`, BATCH);
        if (!events.length) break;
        const ids = events.map((e) => e.id);
        await recordForwardAttempts(em, ids);
        await em.transactional((tem) => finishEvents(tem, ids));
      }
    }
  }

  const perRound = Math.ceil(EVENTS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate which layout goes first, so none always meets a warmer cache.
    const order = opened.map((_, i) => opened[(i + round) % opened.length]!);
    const roundCpu: string[] = [];
    for (const target of order) {
      const cpu0 = treeCpuMs(pg.pid);
      const wal0 = await walLsn();
      await run(target, perRound, round);
      const cpu = treeCpuMs(pg.pid) - cpu0;
      target.totals.cpuMs += cpu;
      roundCpu.push(`${target.layout.name} ${((cpu * 1000) / perRound).toFixed(0)} µs`);
      target.totals.walBytes += (await walLsn()) - wal0;
      target.totals.events += perRound;
    }
    progress(`round ${round + 1}/${ROUNDS}: ${((round + 1) * perRound).toLocaleString()} events per layout; PostgreSQL CPU per event ${roundCpu.join(', ')}`);
  }

  const results = [];
  for (const target of opened) {
    const db = target.orm.em.getConnection();
    await db.execute('select pg_stat_force_next_flush()').catch(() => undefined);
    const [stats] = await db.execute<{ upd: string; hot: string; table: string; indexes: string }[]>(
      `select n_tup_upd::text as upd, n_tup_hot_upd::text as hot,
              pg_table_size('webhook_event')::text as table, pg_indexes_size('webhook_event')::text as indexes
       from pg_stat_user_tables where relname = 'webhook_event'`,
    );
    const unfinished = (await db.execute<{ n: number }[]>(`select count(*)::int as n from webhook_event where status <> 'processed'`))[0]!.n;
    if (unfinished) throw new Error(`${target.layout.name}: ${unfinished} events not processed — the benchmark's event life is broken`);
    results.push({
      name: target.layout.name,
      cpuUs: (target.totals.cpuMs * 1000) / target.totals.events,
      walBytes: target.totals.walBytes / target.totals.events,
      hot: Number(stats!.hot) / Math.max(1, Number(stats!.upd)),
      updates: Number(stats!.upd) / target.totals.events,
      tableMiB: Number(stats!.table) / 2 ** 20,
      indexMiB: Number(stats!.indexes) / 2 ** 20,
    });
  }
  const base = results[0]!;
  const lines = [
    '',
    `webhook_event writes — ${EVENTS.toLocaleString()} events per layout (insert, claim, batch read, attempt, finish), one PostgreSQL, rotating rounds`,
    ...results.map(
      (r) =>
        `  ${r.name.padEnd(24)} PostgreSQL CPU ${r.cpuUs.toFixed(0)} µs/event, WAL ${r.walBytes.toFixed(0)} B/event, ${r.updates.toFixed(1)} updates/event of which ${(r.hot * 100).toFixed(0)} % HOT, table ${r.tableMiB.toFixed(1)} MiB, indexes ${r.indexMiB.toFixed(1)} MiB`,
    ),
    ...results
      .slice(1)
      .map(
        (r) =>
          `  ratio ${r.name} / ${base.name}: CPU ${(r.cpuUs / base.cpuUs).toFixed(2)}×, WAL ${(r.walBytes / base.walBytes).toFixed(2)}×, table ${(r.tableMiB / base.tableMiB).toFixed(2)}×, indexes ${(r.indexMiB / base.indexMiB).toFixed(2)}×`,
      ),
    '',
  ];
  console.log(lines.join('\n'));
} finally {
  for (const target of opened) {
    await target.writer.close().catch(() => undefined);
    await target.orm.close().catch(() => undefined);
  }
  await admin.close().catch(() => undefined);
  await pg.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
