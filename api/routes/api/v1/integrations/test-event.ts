import { randomBytes } from 'node:crypto';
import { AppError } from '../../../../../lib/errors.ts';
import { newId } from '../../../../../lib/ids.ts';
import { signStandardWebhook } from '../../../../../lib/webhooks/signatures.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * POST /api/v1/integrations/:id/test-event — the sandbox provider sends a signed Standard Webhooks event
 * to this integration's webhook URL, through the real ingest path. Sandbox only; 202 with the event id.
 */
export async function sendTestEvent(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const integration = await repo.get(integrationIdParam(ctx));
  if (integration.provider !== 'sandbox' || !ctx.deps.providers.builtIns.has('sandbox'))
    throw new AppError(422, 'not_sandbox', 'Test events can be sent to sandbox integrations only.');
  const secret = await repo.ensureSecret(integration.id, 'webhookSecret', () => `whsec_${randomBytes(32).toString('base64')}`);
  const id = newId('msg');
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    type: 'item.updated',
    timestamp: new Date().toISOString(),
    data: { id: `item_${randomBytes(4).toString('hex')}`, title: 'Test event from the sandbox' },
  });
  const response = await fetch(`${ctx.deps.env.PUBLIC_URL}/webhooks/sandbox/${integration.id}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook(body, secret, id, timestamp),
    },
    body,
  });
  const answer = (await response.json().catch(() => ({}))) as { eventId?: string };
  if (!response.ok || !answer.eventId) throw new AppError(502, 'test_event_failed', `The webhook endpoint answered HTTP ${response.status}.`);
  ok(ctx, { eventId: answer.eventId }, 202);
}
