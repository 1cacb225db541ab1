import type { EntityManager } from '@mikro-orm/postgresql';
import { readSecrets, writeCredentials } from '../db/credentials.ts';
import type { EventEndpoint, Integration, WebhookEvent } from '../db/entities/index.ts';
import { appendLog } from '../db/repositories/integration-logs.repository.ts';
import { readEventPayload } from '../db/repositories/webhook-events.repository.ts';
import { forwardUrlProblem, outboundBlockedCause, type OutboundAnswer } from '../lib/net-guard.ts';
import { webhookScheme } from '../lib/webhooks/schemes/index.ts';
import { signStandardWebhook } from '../lib/webhooks/signatures.ts';
import type { ProviderDefinition } from '../providers/types.ts';
import { SYNC_WORKFLOW_TYPE, syncHintSignal, syncHintWorkflowId } from '../workflows/sync.messages.ts';
import { taskQueueOf, tenantPriority } from '../workflows/task-queues.ts';
import { connectionServiceOf } from './connections.ts';
import { createTenantEventEmitters, type ForwardBody } from './tenant-events.ts';
import type { ActivityDeps } from './deps.ts';

/** How long a forward may take (in the slow lane, and for the per-event workflow). */
export const FORWARD_TIMEOUT_MS = 15_000;
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** `Retry-After` in seconds or as an HTTP date, capped (Standard Webhooks sender guidance). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

export type WebhookAction = 'provider_revoked' | 'sync_hint' | 'push_renew' | 'none';

export interface DeliveryTarget {
  kind: 'target';
  url: string;
  secret: string;
}

/** What one delivery to the tenant's `forwardUrl` came to. */
export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** 429, 408, 5xx, a timeout (`timedOut`) or a refused connection: worth another attempt (after `delayMs` when the receiver said). */
  | { kind: 'retry'; message: string; delayMs?: number; timedOut?: boolean }
  /** Never worth another attempt: another 4xx, a refused address, no forwarding secret. */
  | { kind: 'rejected'; message: string; type: 'ForwardRejected' | 'ForwardNotConfigured' };

/**
 * What processing a webhook event does, shared by the per-event workflow (activities/webhook.activities.ts)
 * and the per-integration batches (activities/webhook-batch.activities.ts): apply it to the integration, and
 * deliver it to the tenant.
 */
export function createWebhookProcessing(deps: ActivityDeps) {
  const { vault, providers, temporal } = deps;
  const connections = connectionServiceOf(deps);
  const tenantEvents = createTenantEventEmitters(deps);

  /**
   * Applies the event to its integration: provider revocations and push renewals go to the connection
   * workflow; a change hint is logged and asks for a sync, unless the caller folds hints itself
   * (`foldHints`: a batch logs and asks once for all of its hints).
   */
  async function applyEvent(
    em: EntityManager,
    def: ProviderDefinition,
    integration: Integration,
    event: Pick<WebhookEvent, 'eventType'>,
    options: { foldHints: boolean } = { foldHints: false },
  ): Promise<WebhookAction> {
    // What the event type means is its scheme's business (lib/webhooks/schemes/); change hints only say
    // "something changed", the data comes from a sync.
    const action = def.webhook ? webhookScheme(def.webhook.scheme).actionFor(event.eventType) : 'none';
    if (action === 'provider_revoked') {
      const reason = `webhook ${event.eventType}`;
      if (!(await connections.providerRevoked(integration.id, reason))) {
        // No workflow to tell: record the revocation directly.
        integration.status = 'error';
        integration.lastError = `${def.name} revoked access (${reason}) — reconnect`;
        integration.errorCount += 1;
        writeCredentials(vault, integration, undefined);
        appendLog(em, {
          tenantId: integration.tenantId,
          integrationId: integration.id,
          kind: 'provider_revoked',
          level: 'error',
          message: integration.lastError,
        });
        // The tenant hears of it as it would from the workflow, in the same flush as the status.
        await tenantEvents.reauthorizationRequired(em, integration, integration.lastError);
        await em.flush();
      }
    } else if (action === 'push_renew') {
      appendLog(em, {
        tenantId: integration.tenantId,
        integrationId: integration.id,
        kind: 'push_renew_requested',
        level: 'warn',
        message: `${def.name} asked for a new push subscription (${event.eventType})`,
      });
      await em.flush();
      // No workflow running: nothing to renew.
      await connections.pushRenew(integration.id, event.eventType);
    } else if (action === 'sync_hint' && !options.foldHints) {
      await logChangeHints(em, def, integration, [event.eventType]);
      await requestSync(def, integration, `webhook ${event.eventType}`);
    }
    return action;
  }

  /** One log line for the change hints of an event or a batch. */
  async function logChangeHints(em: EntityManager, def: ProviderDefinition, integration: Integration, eventTypes: string[]): Promise<void> {
    const types = [...new Set(eventTypes)].slice(0, 5).join(', ');
    const message = eventTypes.length === 1 ? `${def.name} reported a change (${types})` : `${def.name} reported ${eventTypes.length} changes (${types})`;
    appendLog(em, { tenantId: integration.tenantId, integrationId: integration.id, kind: 'sync_hint', message });
    await em.flush();
  }

  /** A change hint: one debounced sync run (`sync-hint:<id>`), however many hints arrive. */
  async function requestSync(def: ProviderDefinition, integration: Integration, reason: string): Promise<void> {
    if (!def.sync || integration.status !== 'active') return;
    await temporal.workflow.signalWithStart(SYNC_WORKFLOW_TYPE, {
      workflowId: syncHintWorkflowId(integration.id),
      taskQueue: taskQueueOf(deps.env.TEMPORAL_TASK_QUEUE, 'sync'),
      args: [{ integrationId: integration.id, reason, debounceMs: deps.env.PLUGBOARD_SYNC_HINT_DEBOUNCE_MS }],
      signal: syncHintSignal,
      signalArgs: [],
      priority: tenantPriority(integration.tenantId),
    });
  }

  /**
   * Where and how the integration's events are delivered: its `settings.forwardUrl` and `forwardSecret`, or why
   * they cannot be (`rejected`); `null` when the tenant does not forward.
   */
  function deliveryTarget(integration: Integration): DeliveryTarget | Extract<DeliveryOutcome, { kind: 'rejected' }> | null {
    const url = integration.settings.forwardUrl;
    if (typeof url !== 'string') return null;
    const secret = readSecrets(vault, integration).forwardSecret;
    if (!secret)
      return {
        kind: 'rejected',
        type: 'ForwardNotConfigured',
        message: 'no forwarding secret: create one with POST /api/v1/integrations/:id/forwarding-secret',
      };
    // Checked when set, and here again for rows written before the rule or by hand.
    const problem = forwardUrlProblem(url, { production: deps.env.NODE_ENV === 'production' });
    if (problem) return { kind: 'rejected', type: 'ForwardRejected', message: `forwarding refused: ${problem}` };
    return { kind: 'target', url, secret };
  }

  /**
   * Delivers the event to the tenant, signed with Standard Webhooks, through the outbound guard (it connects only
   * to an address it checked; redirects are not followed). The caller counts the attempt before calling, so a
   * crash mid-request counts. `body` is the event's forward body when the caller has it already (a batch decrypts
   * each payload once, for the forward and its `webhook.received`). `timeoutMs`: the fast lane's shorter wait.
   */
  async function deliverEvent(
    target: DeliveryTarget,
    integration: Integration,
    event: WebhookEvent,
    body: ForwardBody = forwardBody(integration, event),
    timeoutMs = FORWARD_TIMEOUT_MS,
  ): Promise<DeliveryOutcome> {
    const json = JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1000);
    let answer: OutboundAnswer;
    try {
      answer = await providers.outbound.post(target.url, {
        timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Plugboard-Webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signStandardWebhook(json, target.secret, event.id, timestamp),
        },
        body: json,
      });
    } catch (error) {
      const blocked = outboundBlockedCause(error);
      if (blocked?.reason === 'blocked') return { kind: 'rejected', type: 'ForwardRejected', message: `forwarding refused: ${blocked.message}` };
      const timedOut = !blocked && (error as Error).name === 'TimeoutError';
      return {
        kind: 'retry',
        message: `forwarding failed: ${blocked ? blocked.message : timedOut ? 'timed out' : 'connection failed'}`,
        ...(timedOut ? { timedOut } : {}),
      };
    }
    if (answer.status >= 200 && answer.status < 300) return { kind: 'delivered', status: answer.status };
    if (answer.status === 429 || answer.status === 408 || answer.status >= 500)
      return { kind: 'retry', message: `the receiver answered HTTP ${answer.status}`, delayMs: parseRetryAfter(answer.retryAfter ?? null) };
    return { kind: 'rejected', type: 'ForwardRejected', message: `the receiver answered HTTP ${answer.status}; not retried` };
  }

  /** The body a forward carries (and a `webhook.received` tenant event's data): the provider's event as received. */
  function forwardBody(integration: Integration, event: WebhookEvent): ForwardBody {
    const payload = readEventPayload(vault, event);
    let data: unknown;
    try {
      data = JSON.parse(payload);
    } catch {
      data = { raw: payload };
    }
    return { id: event.id, type: event.eventType, provider: event.provider, integrationId: integration.id, createdAt: event.createdAt, data };
  }

  /**
   * Tells the tenant's event endpoints subscribed to `webhook.received` of these processed events, on `em` (the
   * caller flushes it in the transaction that marks them). A batch passes the tenant's enabled `endpoints` (looked
   * up once per batch) and `bodyOf`, its memo of the bodies it forwarded (each payload decrypted once).
   */
  function received(
    em: EntityManager,
    integration: Integration,
    events: WebhookEvent[],
    options: { endpoints?: EventEndpoint[]; bodyOf?: (event: WebhookEvent) => ForwardBody } = {},
  ): Promise<number> {
    const bodyOf = options.bodyOf ?? ((e: WebhookEvent) => forwardBody(integration, e));
    return events.length ? tenantEvents.webhooksReceived(em, integration, () => events.map(bodyOf), options.endpoints) : Promise.resolve(0);
  }

  return { applyEvent, logChangeHints, requestSync, deliveryTarget, deliverEvent, forwardBody, received };
}
