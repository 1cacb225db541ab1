import type { EventSubscriber } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../lib/logger.ts';
import { Integration } from './entities/index.ts';
import { listen } from './notifications.ts';

/** The channel the `integration_tokens_changed` / `integration_deleted` triggers notify, with the integration id. */
export const INTEGRATION_CHANGED_CHANNEL = 'plugboard_integration_changed';

/** The background re-read of one row after a NOTIFY (`#invalidateAndReload`); tests tell it from a request's queries. */
export const RELOAD_SQL = 'select tenant_id, status, credentials, provider from integration where id = ?';

/** Re-reads after a NOTIFY in flight at once, per process (`#invalidateAndReload`). */
const MAX_RELOADS = 32;

/** What the token API needs of an active integration: the encrypted token set, never the plaintext. */
export interface CachedTokenRow {
  id: string;
  tenantId: string;
  /** The vault ciphertext of the token set (decrypted per call, so no plaintext token stays in the heap). */
  credentials: string;
  /** The provider refreshes tokens (a due token sends the call down the slow path). */
  refreshSupported: boolean;
  /** The provider's key: a static credential's answer is placed as its (built-in) entry says, without the row. */
  provider?: string;
}

/**
 * The encrypted token rows of active integrations, kept by an API process so the token API answers without a
 * database round trip (docs/architecture.md, "Token API"). Correctness comes from PostgreSQL, not from a TTL:
 *   - a trigger NOTIFies `plugboard_integration_changed` with the id when an integration's tokens, status or
 *     tenant change or it is deleted (db/migrations/Migration20261202140000_integration_notify.ts); this process
 *     LISTENs and drops that entry, on commit of whichever process wrote it;
 *   - while the LISTEN connection is down the cache answers nothing and is emptied, and it is emptied again
 *     once the connection is back (notifications sent meanwhile are lost);
 *   - a row read from the database is only cached when no notification for that integration (nor a flush)
 *     arrived while it was being read, so a read cannot put back a value a concurrent write just replaced;
 *     reads of other integrations are not held up: each invalidation is stamped per id, and the stamps kept are
 *     bounded (`maxTracked`, oldest dropped: a read older than a dropped stamp is then not cached, to be safe);
 *   - a NOTIFY for an entry this process holds also re-reads its row at once, in the background (bounded), so a
 *     busy integration's next caller finds the refreshed token in memory rather than paying the round trip;
 *   - writes this process flushes drop their entry at once (MikroORM subscriber); `ttlMs` bounds an entry's
 *     life anyway, and `maxEntries` its count (oldest first).
 * The remaining window is the NOTIFY's delivery after the writer's commit (milliseconds): a call in it gets the
 * previous access token, which the provider still accepts (refreshes happen ahead of expiry).
 */
export class TokenCache {
  readonly #entries = new Map<string, { row: CachedTokenRow; until: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #listener: { close: () => Promise<void> } | undefined;
  readonly #maxTracked: number;
  /** Stamps: one per invalidation or flush, increasing. */
  #stamp = 0;
  /** Per integration id, the stamp of its latest invalidation (insertion order = stamp order; at most `maxTracked`). */
  readonly #invalidatedAt = new Map<string, number>();
  /** Reads taken before this stamp are not cached (the last flush, or the newest per-id stamp dropped). */
  #floor = 0;
  #listening = false;
  readonly #orm: MikroORM;
  /** Ids whose row is being re-read after a NOTIFY (at most MAX_RELOADS at once). */
  readonly #reloading = new Set<string>();
  /** Rows re-read and cached again after a NOTIFY, without a caller waiting (tests, the benchmark). */
  reloads = 0;

  constructor(options: { orm: MikroORM; databaseUrl: string; logger: Logger; ttlMs: number; maxEntries?: number; maxTracked?: number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 50_000;
    this.#maxTracked = options.maxTracked ?? 10_000;
    this.#orm = options.orm;
    if (this.#ttlMs <= 0) return;
    const subscriber: EventSubscriber<Integration> = {
      getSubscribedEntities: () => [Integration],
      afterUpdate: ({ entity }) => this.invalidate(entity.id),
      afterDelete: ({ entity }) => this.invalidate(entity.id),
    };
    options.orm.em.getEventManager().registerSubscriber(subscriber);
    this.#listener = listen({
      databaseUrl: options.databaseUrl,
      channel: INTEGRATION_CHANGED_CHANNEL,
      logger: options.logger,
      onNotify: (id) => {
        if (id) return this.#invalidateAndReload(id);
        // (Re)connected: whatever changed while nobody listened is unknown.
        this.#flush();
        this.#listening = true;
      },
      onDown: () => {
        this.#listening = false;
        this.#flush();
      },
    });
  }

  /** The cached row, while this process is listening and the entry is younger than the TTL. */
  get(id: string): CachedTokenRow | undefined {
    if (!this.#listening) return undefined;
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.row;
  }

  /** Taken before reading a row from the database; hand it back to `set`. */
  generation(): number {
    return this.#stamp;
  }

  /**
   * Caches `row`, read from the database since `generation()` returned `readAt`, unless its integration was
   * invalidated since (or the cache was flushed, or the stamps kept no longer reach back to `readAt`).
   */
  set(row: CachedTokenRow, readAt: number): void {
    if (!this.#listening || readAt < this.#floor || (this.#invalidatedAt.get(row.id) ?? 0) > readAt) return;
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(row.id, { row, until: Date.now() + this.#ttlMs });
  }

  /**
   * A NOTIFY for an integration this process holds: drop it, then read the new row at once, in the background, so
   * the next caller of a busy integration finds the refreshed token in memory instead of paying the database round
   * trip on its request (with 30 s tokens and a call every 20 ms, that miss was 1–2 % of the calls: the p99).
   * The read is guarded like any other (`set` with the generation taken before it), and bounded: beyond
   * MAX_RELOADS in flight the entry is only dropped.
   */
  #invalidateAndReload(id: string): void {
    const previous = this.#entries.get(id)?.row;
    this.invalidate(id);
    if (!previous || this.#reloading.has(id) || this.#reloading.size >= MAX_RELOADS) return;
    this.#reloading.add(id);
    const readAt = this.generation();
    void this.#orm.em
      .fork()
      .getConnection()
      .execute<{ tenant_id: string; status: string; credentials: string | null; provider: string }[]>(RELOAD_SQL, [id])
      .then(([row]) => {
        if (!row || row.status !== 'active' || !row.credentials || (previous.provider && row.provider !== previous.provider)) return;
        this.set({ ...previous, tenantId: row.tenant_id, credentials: row.credentials }, readAt);
        this.reloads++;
      })
      .catch(() => undefined) // the next caller reads it
      .finally(() => this.#reloading.delete(id));
  }

  invalidate(id: string): void {
    this.#entries.delete(id);
    this.#invalidatedAt.delete(id); // re-inserted last: the map stays in stamp order
    this.#invalidatedAt.set(id, ++this.#stamp);
    if (this.#invalidatedAt.size > this.#maxTracked) {
      const [oldest, stamp] = this.#invalidatedAt.entries().next().value!;
      this.#invalidatedAt.delete(oldest);
      this.#floor = stamp;
    }
  }

  /** Invalidation stamps kept (bounded by `maxTracked`). */
  get trackedInvalidations(): number {
    return this.#invalidatedAt.size;
  }

  /** The LISTEN connection is up (while it is not, nothing is served from memory). */
  get listening(): boolean {
    return this.#listening;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Resolves once the LISTEN connection is up (tests; the cache is bypassed until then). */
  async ready(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.#listening && this.#ttlMs > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.#listening;
  }

  async close(): Promise<void> {
    this.#listening = false;
    this.#flush();
    await this.#listener?.close();
  }

  #flush(): void {
    this.#floor = ++this.#stamp;
    this.#invalidatedAt.clear();
    this.#entries.clear();
  }
}
