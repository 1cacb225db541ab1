import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { readSecrets, writeCredentials } from '../db/credentials.ts';
import { Integration, WebhookEvent } from '../db/entities/index.ts';
import { appendLog } from '../db/repositories/integration-logs.repository.ts';
import { readEventPayload, recordForwardAttempt } from '../db/repositories/webhook-events.repository.ts';
import { forwardUrlProblem, outboundBlockedCause } from '../lib/net-guard.ts';
import { webhookScheme } from '../lib/webhooks/schemes/index.ts';
import { signStandardWebhook } from '../lib/webhooks/signatures.ts';
import { connectionWorkflowId, providerRevokedSignal, pushRenewSignal } from '../workflows/connection.messages.ts';
import { SYNC_WORKFLOW_TYPE, syncHintSignal, syncHintWorkflowId } from '../workflows/sync.messages.ts';
import { taskQueueOf } from '../workflows/task-queues.ts';
import type { ActivityDeps } from './deps.ts';

const FORWARD_TIMEOUT_MS = 15_000;
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** `Retry-After` in seconds or as an HTTP date, capped (Standard Webhooks sender guidance). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

export function createWebhookActivities(deps: ActivityDeps) {
  const { orm, vault, providers, temporal } = deps;

  async function load(eventId: string) {
    const em = orm.em.fork();
    const event = await em.findOne(WebhookEvent, { id: eventId });
    if (!event) throw ApplicationFailure.nonRetryable(`webhook event ${eventId} no longer exists`, 'WebhookEventNotFound');
    const integration = await em.findOne(Integration, { id: event.integrationId, tenantId: event.tenantId });
    if (!integration) throw ApplicationFailure.nonRetryable(`the integration of event ${eventId} no longer exists`, 'WebhookEventNotFound');
    return { em, event, integration };
  }

  return {
    /** Applies the event to its integration: provider revocations go to the connection workflow. */
    async applyWebhookEvent(input: { eventId: string }): Promise<{ forward: boolean; action: 'provider_revoked' | 'sync_hint' | 'push_renew' | 'none' }> {
      const { em, event, integration } = await load(input.eventId);
      const def = await providers.resolve(em, integration.tenantId, integration.provider);
      // What the event type means is its scheme's business (lib/webhooks/schemes/); change hints only say
      // "something changed", the data comes from a sync (DESIGN.md §6, E.1 step 6).
      const action = def.webhook ? webhookScheme(def.webhook.scheme).actionFor(event.eventType) : 'none';
      if (action === 'provider_revoked') {
        const reason = `webhook ${event.eventType}`;
        try {
          await temporal.workflow.getHandle(connectionWorkflowId(integration.id)).signal(providerRevokedSignal, { reason });
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
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
        try {
          await temporal.workflow.getHandle(connectionWorkflowId(integration.id)).signal(pushRenewSignal, { reason: event.eventType });
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      } else if (action === 'sync_hint') {
        appendLog(em, {
          tenantId: integration.tenantId,
          integrationId: integration.id,
          kind: 'sync_hint',
          message: `${def.name} reported a change (${event.eventType})`,
        });
        await em.flush();
        if (def.sync && integration.status === 'active') {
          // A burst of hints folds into one debounced sync run.
          await temporal.workflow.signalWithStart(SYNC_WORKFLOW_TYPE, {
            workflowId: syncHintWorkflowId(integration.id),
            taskQueue: taskQueueOf(deps.env.TEMPORAL_TASK_QUEUE, 'sync'),
            args: [{ integrationId: integration.id, reason: `webhook ${event.eventType}`, debounceMs: deps.env.PLUGBOARD_SYNC_HINT_DEBOUNCE_MS }],
            signal: syncHintSignal,
            signalArgs: [],
          });
        }
      }
      const forward = typeof integration.settings.forwardUrl === 'string';
      if (!forward) {
        // Nothing to deliver: done in this one activity (one round trip less per event).
        await em.nativeUpdate(
          WebhookEvent,
          { id: event.id },
          { status: 'processed', processedAt: new Date(), errorMessage: null, attempts: event.attempts || 1, lastAttemptAt: new Date() },
        );
      }
      return { forward, action };
    },

    /**
     * Forwards the event to the tenant's `settings.forwardUrl`, signed with Standard Webhooks and the
     * integration's `forwardSecret`. 429/5xx/timeouts retry (Retry-After honoured); other 4xx do not.
     */
    async forwardWebhookEvent(input: { eventId: string }): Promise<{ status: number }> {
      const { em, event, integration } = await load(input.eventId);
      const url = integration.settings.forwardUrl;
      if (typeof url !== 'string') return { status: 0 };
      const secret = readSecrets(vault, integration).forwardSecret;
      if (!secret)
        throw ApplicationFailure.nonRetryable('no forwarding secret: create one with POST /api/v1/integrations/:id/forwarding-secret', 'ForwardNotConfigured');
      // Checked when set, and here again for rows written before the rule or by hand.
      const problem = forwardUrlProblem(url, { production: deps.env.NODE_ENV === 'production' });
      if (problem) throw ApplicationFailure.nonRetryable(`forwarding refused: ${problem}`, 'ForwardRejected');
      await recordForwardAttempt(em, event.id);
      const payload = readEventPayload(vault, event);
      let data: unknown;
      try {
        data = JSON.parse(payload);
      } catch {
        data = { raw: payload };
      }
      const body = JSON.stringify({
        id: event.id,
        type: event.eventType,
        provider: event.provider,
        integrationId: integration.id,
        createdAt: event.createdAt,
        data,
      });
      const timestamp = Math.floor(Date.now() / 1000);
      let response: Response;
      try {
        // The outbound guard connects only to an address it checked (lib/net-guard.ts); redirects are not followed.
        response = await providers.outbound.fetch(url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Plugboard-Webhooks/1',
            'webhook-id': event.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signStandardWebhook(body, secret, event.id, timestamp),
          },
          body,
        });
      } catch (error) {
        const blocked = outboundBlockedCause(error);
        if (blocked?.reason === 'blocked') throw ApplicationFailure.nonRetryable(`forwarding refused: ${blocked.message}`, 'ForwardRejected');
        throw ApplicationFailure.retryable(
          `forwarding failed: ${blocked ? blocked.message : (error as Error).name === 'TimeoutError' ? 'timed out' : 'connection failed'}`,
          'ForwardFailed',
        );
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { status: response.status };
      if (response.status === 429 || response.status === 408 || response.status >= 500) {
        throw ApplicationFailure.create({
          message: `the receiver answered HTTP ${response.status}`,
          type: 'ForwardFailed',
          nextRetryDelay: parseRetryAfter(response.headers.get('retry-after')),
        });
      }
      throw ApplicationFailure.nonRetryable(`the receiver answered HTTP ${response.status}; not retried`, 'ForwardRejected');
    },

    async markWebhookEvent(input: { eventId: string; status: 'processed' | 'failed'; error: string | null }): Promise<void> {
      const em = orm.em.fork();
      const event = await em.findOne(WebhookEvent, { id: input.eventId });
      if (!event) return;
      event.status = input.status;
      event.errorMessage = input.error?.slice(0, 2000) ?? null;
      // Events without forwarding were processed in one attempt.
      if (event.attempts === 0) {
        event.attempts = 1;
        event.lastAttemptAt = new Date();
      }
      event.processedAt = input.status === 'processed' ? new Date() : null;
      if (input.status === 'failed') {
        appendLog(em, {
          tenantId: event.tenantId,
          integrationId: event.integrationId,
          kind: 'webhook_failed',
          level: 'error',
          message: `Event ${event.id} (${event.eventType}) failed: ${event.errorMessage}`,
        });
      }
      await em.flush();
    },
  };
}
