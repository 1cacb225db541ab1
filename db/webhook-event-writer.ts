import pg from 'pg';
import { newId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import type { Vault } from '../lib/vault.ts';
import { webhookEventLabel, webhookPayloadContext } from './repositories/webhook-events.repository.ts';

export interface NewWebhookEvent {
  tenantId: string;
  integrationId: string;
  provider: string;
  eventType: string;
  deliveryId: string;
  /** The verified raw body; encrypted here before it is queued. */
  payload: string;
}

export interface WriteResult {
  eventId: string;
  /** (integration, deliveryId) was stored before: acknowledged, nothing new. */
  duplicate: boolean;
}

interface Pending {
  /** The payload is clear text until its batch is committed, then the vault ciphertext. */
  row: [
    id: string,
    tenantId: string,
    integrationId: string,
    provider: string,
    eventType: string,
    deliveryId: string,
    payload: string,
    keyId: string,
    createdAt: string,
  ];
  resolve: (result: WriteResult) => void;
  reject: (error: Error) => void;
}

// One statement for any batch size: the rows travel as nine arrays and come back as the ids that were new.
// The statement-level trigger (migration …030000) wakes the dispatchers once per batch.
const INSERT_SQL = `
insert into webhook_event (id, tenant_id, integration_id, provider, event_type, delivery_id, payload, key_id, created_at, status, attempts)
select id, tenant_id, integration_id, provider, event_type, delivery_id, payload, key_id, created_at, 'pending', 0
from unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::text[], $8::varchar[], $9::timestamptz[])
  as t(id, tenant_id, integration_id, provider, event_type, delivery_id, payload, key_id, created_at)
on conflict (integration_id, delivery_id) do nothing
returning id`;

/**
 * The ingest path's durable write (docs/architecture.md) as a group commit: every request's row joins the next
 * batch, one `INSERT … ON CONFLICT DO NOTHING` commits the batch, and each request is answered only once
 * its own row is committed (or known to be a duplicate). With one batch in flight per connection, a lone
 * request waits for nothing but its own insert; under load, rows arriving during a commit share the next
 * one, so commits per second stay flat while rows per second grow.
 *
 * It owns a small pg pool of its own, so the ingest never queues behind API or dashboard queries.
 */
export class WebhookEventWriter {
  readonly #pool: pg.Pool;
  readonly #vault: Vault;
  readonly #logger: Logger;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #queue: Pending[] = [];
  /** Committed statements and the rows they carried (new and duplicate), since start. */
  readonly stats = { batches: 0, rows: 0 };
  /** Called after each commit with its duration (metrics). */
  onCommit?: (seconds: number, rows: number) => void;
  #inFlight = 0;
  #closed = false;

  constructor(options: { databaseUrl: string; vault: Vault; logger: Logger; maxBatch?: number; connections?: number; statementTimeoutMs?: number }) {
    this.#vault = options.vault;
    this.#logger = options.logger;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxInFlight = options.connections ?? 2;
    this.#pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: this.#maxInFlight,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A stalled database answers the webhook with 503 instead of holding the request open.
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      query_timeout: (options.statementTimeoutMs ?? 10_000) + 1_000,
      application_name: 'plugboard-webhook-ingest',
    });
    // An idle connection dropped by the server (restart, failover) must not crash the process.
    this.#pool.on('error', (error) => this.#logger.warn({ err: error.message }, 'webhook ingest connection lost; it will reconnect'));
  }

  /** Resolves once the event is committed (or found to be a duplicate); rejects when the database cannot take it. */
  write(input: NewWebhookEvent): Promise<WriteResult> {
    if (this.#closed) return Promise.reject(new Error('webhook event writer is closed'));
    const id = newId('evt');
    return new Promise<WriteResult>((resolve, reject) => {
      this.#queue.push({
        // The payload is encrypted when its batch is committed, in one loop per batch (#commit).
        row: [
          id,
          input.tenantId,
          input.integrationId,
          input.provider,
          webhookEventLabel(input.eventType),
          webhookEventLabel(input.deliveryId),
          input.payload,
          this.#vault.activeKid,
          new Date().toISOString(),
        ],
        resolve,
        reject,
      });
      this.#pump();
    });
  }

  /** Rows waiting for a commit (exported as a gauge). */
  get queued(): number {
    return this.#queue.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    while (this.#queue.length || this.#inFlight) await new Promise((r) => setTimeout(r, 5));
    await this.#pool.end();
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight++;
      void this.#commit(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    try {
      for (const { row } of batch) row[6] = this.#vault.encrypt(row[6], webhookPayloadContext({ tenantId: row[1], id: row[0] }));
    } catch (error) {
      for (const p of batch) p.reject(error as Error);
      return;
    }
    await this.#insert(batch);
  }

  /** One INSERT for `batch`; settles each row's promise. */
  async #insert(batch: Pending[]): Promise<void> {
    const columns: string[][] = Array.from({ length: 9 }, () => new Array<string>(batch.length));
    batch.forEach((p, i) => p.row.forEach((value, c) => (columns[c]![i] = value)));
    try {
      // A named statement: parsed and planned once per connection.
      const started = performance.now();
      const result = await this.#pool.query<{ id: string }>({ name: 'plugboard-webhook-insert', text: INSERT_SQL, values: columns });
      this.stats.batches++;
      this.stats.rows += batch.length;
      this.onCommit?.((performance.now() - started) / 1000, batch.length);
      const inserted = new Set(result.rows.map((r) => r.id));
      for (const p of batch) p.resolve({ eventId: p.row[0], duplicate: !inserted.has(p.row[0]) });
    } catch (error) {
      if (batch.length > 1 && isDataError(error)) {
        // One row the database refuses must not fail its neighbours: retry them one by one.
        await Promise.all(batch.map((p) => this.#insert([p])));
        return;
      }
      for (const p of batch) p.reject(error as Error);
    }
  }
}

/** SQLSTATE class 22 (data exception) and 23 (integrity): the row, not the database, is the problem. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
