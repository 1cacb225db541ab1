import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { Integration } from '../db/entities/index.ts';
import { appendLog } from '../db/repositories/integration-logs.repository.ts';
import { apiBaseFor } from '../providers/api-base.ts';
import { pushStateOf, type PushChannel, type PushState, type ProviderDefinition } from '../providers/types.ts';
import type { ActivityDeps } from './deps.ts';
import { loadIntegration } from './load.ts';
import { providerApi } from './provider-api.ts';
import { createTenantEventEmitters } from './tenant-events.ts';

/** A failed subscribe is tried again after this long, doubling per consecutive failure up to a day. */
export const PUSH_RETRY_MS = 60 * 60_000;
const PUSH_RETRY_MAX_MS = 24 * 60 * 60_000;
/** Push unavailable with this operator configuration: looked at again after this long (the env may change). */
const PUSH_RECHECK_MS = 24 * 60 * 60_000;

export function pushRetryDelay(failures: number): number {
  return Math.min(PUSH_RETRY_MAX_MS, PUSH_RETRY_MS * 2 ** Math.max(0, failures - 1));
}

/** What the connection workflow learns: when to come back (null: nothing to renew). No secret crosses (REQ-19). */
export interface PushOutcome {
  renewAt: number | null;
  error?: string;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Push subscriptions of a connection (providers' `push` hook: Calendar channels, Gmail watch), driven by the
 * connection workflow, which holds its lock while they run: no refresh or disconnect in between, so a 401 here
 * is an error, not a refresh (that would wait on the workflow that waits on us).
 */
export function createPushActivities(deps: ActivityDeps) {
  const { orm, vault, providers, env } = deps;
  const events = createTenantEventEmitters(deps);

  async function load(integrationId: string): Promise<{ integration: Integration; def: ProviderDefinition }> {
    const em = orm.em.fork();
    const integration = await loadIntegration(em, integrationId);
    return { integration, def: await providers.resolve(em, integration.tenantId, integration.provider) };
  }

  async function save(
    integrationId: string,
    push: PushState | null,
    log?: { kind: string; level: 'info' | 'warn'; message: string },
    /** In the same transaction (a tenant event reporting the change). */
    also?: (tem: EntityManager, row: Integration) => Promise<unknown>,
  ): Promise<void> {
    await orm.em.fork().transactional(async (tem) => {
      // Row lock: a tenant's settings PATCH rewrites the same JSON column (IntegrationRepository.update).
      const row = await tem.findOneOrFail(Integration, { id: integrationId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const { push: _old, ...rest } = row.settings;
      row.settings = push ? { ...rest, push } : rest;
      if (log) appendLog(tem, { tenantId: row.tenantId, integrationId: row.id, ...log });
      await also?.(tem, row);
    });
  }

  function apiFor(def: ProviderDefinition, integration: Integration) {
    const base = apiBaseFor(def, integration.settings);
    if (!base) throw ApplicationFailure.nonRetryable(`${def.name} has no API base URL`, 'PushUnavailable');
    return providerApi({ orm, vault, def, integrationId: integration.id, base });
  }

  return {
    /**
     * Subscribes a fresh channel (new id, new 256-bit token of which only the hash is kept), then stops the
     * one it replaces. Called after connecting and when `renewAt` comes. A provider error is recorded on the
     * integration and retried after PUSH_RETRY_MS; it never fails the connection.
     */
    async ensurePushSubscription(input: { integrationId: string }): Promise<PushOutcome> {
      const { integration, def } = await load(input.integrationId);
      if (!def.push || integration.status !== 'active') return { renewAt: null };
      const previous = pushStateOf(integration.settings);
      const setting = (suffix: string) => providers.setting(def.key, suffix);
      const unavailable = def.push.unavailable?.(setting);
      if (unavailable) {
        const renewAt = Date.now() + PUSH_RECHECK_MS;
        const log =
          previous.error === unavailable
            ? undefined
            : {
                kind: 'push_unavailable',
                level: 'info' as const,
                message: `Push notifications are off: ${unavailable}. Changes arrive through the sync schedule.`,
              };
        await save(integration.id, { error: unavailable, renewAt }, log);
        return { renewAt, error: unavailable };
      }
      const api = apiFor(def, integration);
      const address = `${env.PUBLIC_URL}/webhooks/${def.key}/${integration.id}`;
      let channel: PushChannel;
      try {
        channel = await def.push.subscribe(api, { address, channelId: randomUUID(), token: randomBytes(32).toString('base64url'), setting });
      } catch (error) {
        const failures = (previous.failures ?? 0) + 1;
        const delay = pushRetryDelay(failures);
        const renewAt = Date.now() + delay;
        const message = describe(error);
        // The channel that still runs (if any) stays: it keeps delivering until it expires.
        await save(
          integration.id,
          { ...previous, error: message, renewAt, failures },
          {
            kind: 'push_failed',
            level: 'warn',
            message: `Push notifications could not be ${previous.channel ? 'renewed' : 'set up'} (${message}); trying again in ${delay / 60_000} minutes. Changes still arrive through the sync schedule.`,
          },
          (tem, row) =>
            events.pushFailed(tem, row, {
              action: previous.channel ? 'renew' : 'create',
              error: message,
              consecutiveFailures: failures,
              retryAt: new Date(renewAt),
              channelExpiresAt: previous.channel ? new Date(previous.channel.expiresAt).toISOString() : null,
            }),
        );
        return { renewAt, error: message };
      }
      const renewAt = def.push.renewAt(channel, Date.now());
      const until = new Date(channel.expiresAt).toISOString();
      try {
        await save(
          integration.id,
          { channel, renewAt, subscribedAt: new Date().toISOString(), error: null, failures: 0 },
          {
            kind: previous.channel ? 'push_renewed' : 'push_subscribed',
            level: 'info',
            message: `${def.name} push notifications ${previous.channel ? 'renewed' : 'on'} until ${until}${channel.id ? ` (channel ${channel.id})` : ''}`,
          },
        );
      } catch (error) {
        // Unrecorded, the new channel could never be stopped and would deliver rejected notifications until it
        // expires; the retry of this activity subscribes another one.
        await def.push.unsubscribe(api, channel).catch(() => undefined);
        throw error;
      }
      // "There's likely to be an overlap period": the old channel is stopped only once the new one exists.
      if (previous.channel?.id && previous.channel.id !== channel.id) {
        await def.push
          .unsubscribe(api, previous.channel)
          .catch((error) => deps.logger.warn({ integrationId: integration.id, err: error }, 'could not stop the replaced push channel; it expires on its own'));
      }
      return { renewAt };
    },

    /** Stops the live subscription before the tokens are revoked (the provider needs them to stop it). Never fails the disconnect. */
    async stopPushSubscription(input: { integrationId: string }): Promise<{ stopped: boolean; detail: string }> {
      const { integration, def } = await load(input.integrationId);
      const { channel } = pushStateOf(integration.settings);
      if (!def.push || !channel) return { stopped: false, detail: 'no push subscription' };
      let outcome = { stopped: true, detail: `${def.name} push notifications stopped` };
      try {
        await def.push.unsubscribe(apiFor(def, integration), channel);
      } catch (error) {
        outcome = {
          stopped: false,
          detail: `stopping ${def.name} push notifications failed (${describe(error)}); the subscription expires on its own at ${new Date(channel.expiresAt).toISOString()}`,
        };
      }
      await save(integration.id, null, {
        kind: outcome.stopped ? 'push_stopped' : 'push_stop_failed',
        level: outcome.stopped ? 'info' : 'warn',
        message: outcome.detail,
      });
      return outcome;
    },
  };
}
