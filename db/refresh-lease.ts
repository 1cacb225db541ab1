import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * The refresh lease (docs/architecture.md "Refresh lease"): one refresh attempt at a time may present an
 * integration's refresh token, because a rotated refresh token presented twice makes providers with reuse
 * detection revoke the whole grant (REQ-11, REQ-12). An attempt takes the lease before it reads the token,
 * renews it while it lives, and the transaction that stores the new tokens releases it. Expiry runs on the
 * database's clock, so workers' clocks do not matter; a holder that died is taken over once its lease lapsed.
 */

/** How long a lease lasts without renewal: how soon a killed holder's refresh is taken over. */
export const REFRESH_LEASE_MS = 10_000;
/** How often a live holder renews it (and heartbeats). */
export const REFRESH_LEASE_RENEW_MS = 2_000;

export type LeaseTake =
  | { taken: true; lease: RefreshLease; refreshedAt: Date | null }
  | { taken: false; holder: string | null; remainingMs: number }
  | { taken: false; missing: true };

/** Takes the lease if it is free, lapsed, or already this holder's: one conditional UPDATE. */
export async function takeRefreshLease(em: EntityManager, integrationId: string, holder: string): Promise<LeaseTake> {
  const sentAt = performance.now();
  const rows = await em.getConnection().execute<{ refreshed_at: Date | null }[]>(
    `update "integration" set "refresh_lease_holder" = ?, "refresh_lease_expires_at" = now() + ? * interval '1 millisecond'
        where "id" = ? and ("refresh_lease_holder" is null or "refresh_lease_holder" = ? or "refresh_lease_expires_at" <= now())
        returning "refreshed_at"`,
    [holder, REFRESH_LEASE_MS, integrationId, holder],
  );
  if (rows.length) return { taken: true, lease: new RefreshLease(em, integrationId, holder, sentAt + REFRESH_LEASE_MS), refreshedAt: rows[0]!.refreshed_at };
  const [held] = await em.getConnection().execute<{ holder: string | null; remaining_ms: number }[]>(
    `select "refresh_lease_holder" as "holder", greatest(0, ceil(extract(epoch from ("refresh_lease_expires_at" - now())) * 1000))::int as "remaining_ms"
        from "integration" where "id" = ?`,
    [integrationId],
  );
  return held ? { taken: false, holder: held.holder, remainingMs: held.remaining_ms ?? 0 } : { taken: false, missing: true };
}

/**
 * A lease this process holds. `remainingMs()` is how long it is certainly still ours, measured from before the
 * statement that last extended it was sent (so never longer than the database's own view), and 0 once another
 * attempt took it over: while PostgreSQL does not answer, it only runs down.
 */
export class RefreshLease {
  private lost = false;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<unknown> = Promise.resolve();
  private readonly em: EntityManager;
  readonly integrationId: string;
  readonly holder: string;
  private validUntil: number;

  constructor(em: EntityManager, integrationId: string, holder: string, validUntil: number) {
    this.em = em;
    this.integrationId = integrationId;
    this.holder = holder;
    this.validUntil = validUntil;
  }

  remainingMs(): number {
    return this.lost ? 0 : Math.max(0, this.validUntil - performance.now());
  }

  /** Extends the lease; false when it is no longer ours (taken over) or PostgreSQL did not answer. */
  async renew(): Promise<boolean> {
    if (this.lost) return false;
    const sentAt = performance.now();
    try {
      const rows = await this.em
        .getConnection()
        .execute<unknown[]>(
          `update "integration" set "refresh_lease_expires_at" = now() + ? * interval '1 millisecond' where "id" = ? and "refresh_lease_holder" = ? returning 1`,
          [REFRESH_LEASE_MS, this.integrationId, this.holder],
        );
      if (!rows.length) this.lost = true;
      else this.validUntil = Math.max(this.validUntil, sentAt + REFRESH_LEASE_MS);
      return !this.lost;
    } catch {
      return false;
    }
  }

  /** Renews every REFRESH_LEASE_RENEW_MS (never two renewals at once), calling `tick` each time (the heartbeat). */
  keepAlive(tick: () => void): void {
    this.timer = setInterval(() => {
      tick();
      this.renewing = this.renewing.then(() => this.renew());
    }, REFRESH_LEASE_RENEW_MS);
  }

  /** Stops renewing; with `release`, frees the lease (if still ours) so the next attempt need not wait for it. */
  async stop(options: { release: boolean }): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    if (!options.release || this.lost) return;
    this.lost = true;
    await this.em
      .getConnection()
      .execute(`update "integration" set "refresh_lease_holder" = null, "refresh_lease_expires_at" = null where "id" = ? and "refresh_lease_holder" = ?`, [
        this.integrationId,
        this.holder,
      ])
      .catch(() => undefined);
  }
}
