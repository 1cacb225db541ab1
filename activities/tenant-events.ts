import type { EntityManager } from '@mikro-orm/postgresql';
import { ReauthorizationNotice, type EventEndpoint, type Integration, type TenantEvent } from '../db/entities/index.ts';
import { openEventData, sealEventData } from '../db/event-endpoint-secrets.ts';
import { createFlow } from '../db/repositories/oauth-flows.repository.ts';
import { emitTenantEvent, enabledEndpoints, subscribes } from '../db/tenant-events.ts';
import type { ErrorReason, TenantEventType } from '../lib/events/types.ts';
import { randomSecret } from '../lib/ids.ts';
import { describeReauthorization, reauthorizationDue } from '../lib/reauthorization.ts';
import type { ActivityDeps } from './deps.ts';

/** The facts every integration event carries: ids and names, never a token or a secret (REQ-19). */
function integrationFacts(row: Integration): Record<string, unknown> {
  return {
    integrationId: row.id,
    provider: row.provider,
    displayName: row.displayName ?? null,
    externalAccountId: row.externalAccountId ?? null,
    status: row.status,
  };
}

/** What a sync run changed, as `sync.completed` and `records.changed` report it. */
export interface SyncFacts {
  reason: string;
  models: string[];
  fullModels: string[];
  counts: { created: number; updated: number; deleted: number; unchanged: number };
  syncedAt: Date;
  /** The changed records, in change order (the event names at most RECORDS_CHANGED_MAX_IDS of them). */
  changes: { id: string; model: string; externalId: string; change: 'created' | 'updated' | 'deleted' }[];
}

/** A provider webhook event as the per-integration forward carries it (activities/webhook-processing.ts). */
export type ForwardBody = Record<string, unknown> & { id: string; type: string };

/**
 * The tenant events of the flows, emitted by the activities that write the state change they report, on the same
 * EntityManager inside the same transaction (db/tenant-events.ts): the event is committed exactly when the change
 * is.
 */
export function createTenantEventEmitters(deps: ActivityDeps) {
  const { vault, providers, env } = deps;

  const emit = (em: EntityManager, row: Integration, type: TenantEventType, data: Record<string, unknown>) =>
    emitTenantEvent(em, vault, { tenantId: row.tenantId, integrationId: row.id, type, data: { ...integrationFacts(row), ...data } });

  /**
   * Adds a fresh one-time connect link for the end user to an event, made as `POST …/connect` makes one (it lives
   * 10 minutes, REQ-1; `POST /api/v1/integrations/:id/reconnect` makes another). The data is sealed by the vault
   * (the link is a one-time credential): it is re-sealed with the link.
   */
  async function addConnectLink(em: EntityManager, row: Integration, event: TenantEvent): Promise<void> {
    const def = await providers.resolve(em, row.tenantId, row.provider);
    const connectToken = randomSecret(32);
    const flow = await createFlow(em, {
      tenantId: row.tenantId,
      integrationId: row.id,
      provider: row.provider,
      connectToken,
      redirectUri: providers.redirectUri(def),
      returnTo: `/integrations/${row.id}`,
      scopes: (row.settings.scopes as string[] | undefined) ?? def.defaultScopes,
      expectedIssuer: def.issParameterSupported ? (def.issuer ?? null) : null,
    });
    sealEventData(vault, event, {
      ...openEventData(vault, event),
      connectUrl: `${env.PUBLIC_URL}/oauth/connect/${connectToken}`,
      connectUrlExpiresAt: flow.expiresAt.toISOString(),
    });
  }

  return {
    /** A code exchange stored a new grant: every `integration.reauthorization_due` threshold is armed again. */
    async connected(em: EntityManager, row: Integration): Promise<void> {
      await em.nativeDelete(ReauthorizationNotice, { integrationId: row.id });
      await emit(em, row, 'integration.connected', { scopes: row.scopes ?? [] });
    },

    disconnected: (em: EntityManager, row: Integration, reason: string) => emit(em, row, 'integration.disconnected', { reason }),

    /** With a fresh connect link. Nothing is written when no endpoint wants the event, not even the link. */
    async reauthorizationRequired(em: EntityManager, row: Integration, reason: string): Promise<void> {
      const event = await emit(em, row, 'integration.reauthorization_required', { reason });
      if (event) await addConnectLink(em, row, event);
    },

    /**
     * `thresholdDays` before the refresh token's known expiry (the sweep, activities/tenant-events.activities.ts),
     * with a fresh connect link: reconnecting before the expiry keeps the integration working.
     */
    async reauthorizationDue(em: EntityManager, row: Integration, thresholdDays: number, now: number): Promise<TenantEvent | null> {
      const due = reauthorizationDue(row.refreshTokenExpiresAt, now);
      const event = await emit(em, row, 'integration.reauthorization_due', {
        thresholdDays,
        dueInDays: due?.dueInDays ?? null,
        refreshTokenExpiresAt: row.refreshTokenExpiresAt?.toISOString() ?? null,
        reason: due ? describeReauthorization(due) : 'Reauthorization due',
      });
      if (event) await addConnectLink(em, row, event);
      return event;
    },

    /**
     * An error status the connection workflow recorded (recordStatus). Its `reason` says what it means: a dead
     * grant or a provider revocation needs the end user; a transient refresh failure counts towards
     * `integration.refresh_failing`. Histories recorded before the field (no `reason`) are read by their log kind
     * and message, as workflows/connection.state.ts words them.
     */
    async errorRecorded(em: EntityManager, row: Integration, kind: string, message: string, reason?: ErrorReason): Promise<void> {
      const meaning =
        reason ??
        (kind === 'provider_revoked'
          ? 'provider_revoked'
          : kind === 'refresh_failed' && /Reauthorization required/.test(message)
            ? 'reauthorization_required'
            : kind === 'refresh_failed' && /Refresh failed after retries/.test(message)
              ? 'refresh_failing'
              : undefined);
      if (meaning === 'provider_revoked' || meaning === 'reauthorization_required') await this.reauthorizationRequired(em, row, message);
      else if (meaning === 'refresh_failing') await this.refreshFailing(em, row, message);
    },

    /** Sent once, when the consecutive transient refresh failures reach PLUGBOARD_EVENT_REFRESH_FAILING_AFTER. */
    async refreshFailing(em: EntityManager, row: Integration, reason: string): Promise<void> {
      if (row.errorCount !== env.PLUGBOARD_EVENT_REFRESH_FAILING_AFTER) return;
      await emit(em, row, 'integration.refresh_failing', { consecutiveFailures: row.errorCount, reason });
    },

    /** A push subscription (create or renew) the provider refused; the workflow tries again at `retryAt`. */
    pushFailed: (
      em: EntityManager,
      row: Integration,
      facts: { action: 'create' | 'renew'; error: string; consecutiveFailures: number; retryAt: Date; channelExpiresAt: string | null },
    ) =>
      emit(em, row, 'integration.push_failed', {
        action: facts.action,
        error: facts.error.slice(0, 500),
        consecutiveFailures: facts.consecutiveFailures,
        retryAt: facts.retryAt.toISOString(),
        // The channel being renewed keeps delivering until then; changes still arrive through the sync schedule.
        channelExpiresAt: facts.channelExpiresAt,
      }),

    /**
     * A finished sync run: `sync.completed` with its counts, and `records.changed` when it changed records, naming
     * at most RECORDS_CHANGED_MAX_IDS of them; `since` lists every one (GET …/records?since=, paged by cursor).
     */
    async syncCompleted(em: EntityManager, row: Integration, facts: SyncFacts, maxIds: number): Promise<void> {
      const { created, updated, deleted, unchanged } = facts.counts;
      const counts = { added: created, updated, deleted, unchanged };
      const base = { reason: facts.reason, models: facts.models, fullModels: facts.fullModels, syncedAt: facts.syncedAt.toISOString() };
      const endpoints = await enabledEndpoints(em, row.tenantId);
      if (!endpoints.length) return;
      await emitTenantEvent(
        em,
        vault,
        { tenantId: row.tenantId, integrationId: row.id, type: 'sync.completed', data: { ...integrationFacts(row), ...base, counts } },
        { endpoints },
      );
      if (!facts.changes.length) return;
      const since = new Date(facts.syncedAt.getTime() - 1).toISOString();
      await emitTenantEvent(
        em,
        vault,
        {
          tenantId: row.tenantId,
          integrationId: row.id,
          type: 'records.changed',
          data: {
            ...integrationFacts(row),
            ...base,
            counts,
            records: facts.changes.slice(0, maxIds),
            truncated: facts.changes.length > maxIds,
            since,
            recordsUrl: `${env.PUBLIC_URL}/api/v1/integrations/${row.id}/records?since=${encodeURIComponent(since)}`,
          },
        },
        { endpoints },
      );
    },

    /**
     * Provider webhook events Plugboard processed, one `webhook.received` each, its data the body the
     * per-integration forward carries. One endpoint lookup for the lot; nothing is read when no endpoint wants them.
     */
    async webhooksReceived(em: EntityManager, row: Integration, bodies: () => ForwardBody[], endpoints?: EventEndpoint[]): Promise<number> {
      const enabled = endpoints ?? (await enabledEndpoints(em, row.tenantId));
      if (!enabled.some((e) => subscribes(e, 'webhook.received'))) return 0;
      let sent = 0;
      for (const data of bodies()) {
        if (await emitTenantEvent(em, vault, { tenantId: row.tenantId, integrationId: row.id, type: 'webhook.received', data }, { endpoints: enabled })) sent++;
      }
      return sent;
    },
  };
}

export type TenantEventEmitters = ReturnType<typeof createTenantEventEmitters>;
