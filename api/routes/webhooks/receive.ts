import getRawBody from 'raw-body';
import { readSecrets, writeSecrets } from '../../../db/credentials.ts';
import { Integration } from '../../../db/entities/index.ts';
import { appendLog } from '../../../db/repositories/integration-logs.repository.ts';
import type { WebhookTarget } from '../../../db/webhook-targets.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import { verifyDelivery, type DeliveryInput } from '../../../lib/webhooks/verify.ts';
import { pushStateOf, type ProviderDefinition } from '../../../providers/types.ts';
import type { AppContext } from '../../context.ts';
import { integrationId as integrationIdSchema } from '../../validation.ts';

/**
 * POST /webhooks/:provider[/:integrationId] — the durable-before-ack path (DESIGN.md §7): raw bytes within
 * the provider's size limit (413 beyond), verify in constant time (401, no detail), handshakes, insert
 * (duplicate delivery → 200, nothing new) and ack once the row is committed. The ack never waits on
 * Temporal: the insert's NOTIFY wakes the dispatchers (workers/webhook-dispatcher.ts), which start the
 * workflow. Routing never trusts an unverified body field.
 */
export async function receiveWebhook(ctx: AppContext): Promise<void> {
  const providerKey = String(ctx.params.provider);
  const def = ctx.deps.providers.builtIns.get(providerKey);
  const outcome = (name: string) => ctx.metrics.webhookRequests.inc({ provider: def ? providerKey : 'unknown', outcome: name });
  if (!def?.webhook) {
    outcome('rejected');
    return reply(ctx, 404, 'unknown_webhook', 'No webhook endpoint for this provider.');
  }
  const limit = def.webhook.maxBodyBytes;
  if (ctx.request.length > limit) {
    outcome('too_large');
    return reply(ctx, 413, 'payload_too_large', `Webhook bodies for ${def.name} are limited to ${limit} bytes.`);
  }
  let body: Buffer;
  try {
    body = await getRawBody(ctx.req, { limit, length: ctx.request.length });
  } catch (error) {
    const tooLarge = (error as { type?: string }).type === 'entity.too.large';
    outcome(tooLarge ? 'too_large' : 'rejected');
    return tooLarge
      ? reply(ctx, 413, 'payload_too_large', `Webhook bodies for ${def.name} are limited to ${limit} bytes.`)
      : reply(ctx, 400, 'unreadable_body', 'The request body could not be read.');
  }

  // Node lower-cases header names and joins repeated ones with ", " (only set-cookie stays an array).
  const headers = ctx.req.headers as Record<string, string | undefined>;
  const base = { body, headers, query: ctx.querystring ? new URLSearchParams(ctx.querystring) : NO_QUERY, nowSeconds: Math.floor(Date.now() / 1000) };
  const lookup = (fresh: boolean) => {
    const id = integrationIdSchema.safeParse(ctx.params.integrationId);
    return id.success ? ctx.deps.webhookTargets.get(providerKey, id.data, { fresh }) : Promise.resolve(undefined);
  };
  let targets: WebhookTarget[] = [];
  let input: DeliveryInput;
  try {
    if (ctx.params.integrationId !== undefined) {
      const target = await lookup(false);
      if (!target) {
        outcome('rejected');
        return reply(ctx, 404, 'unknown_integration', 'No such webhook endpoint.');
      }
      targets = [target];
    }
    input = { ...base, ...secretsFor(ctx, def, targets[0]) };
  } catch (error) {
    ctx.deps.logger.error({ err: error, provider: providerKey }, 'webhook lookup failed');
    outcome('unavailable');
    return reply(ctx, 503, 'unavailable', 'Temporarily unavailable; retry later.');
  }

  let result = await verifyDelivery(def.webhook.scheme, input);
  if (!result.ok && targets[0]) {
    // The cached verification data may predate a secret change made through another API process.
    const fresh = await lookup(true).catch(() => undefined);
    if (fresh) {
      targets = [fresh];
      result = await verifyDelivery(def.webhook.scheme, { ...base, ...secretsFor(ctx, def, fresh) });
    }
  }
  if (!result.ok) {
    if (result.pendingSecret && targets[0]) {
      // Notion's handshake carries its own future key: keep it pending for an admin to confirm.
      const em = ctx.deps.orm.em.fork(); // the webhook routes run before the per-request EntityManager
      const integration = await em.findOneOrFail(Integration, { id: targets[0].id });
      writeSecrets(ctx.deps.vault, integration, { ...readSecrets(ctx.deps.vault, integration), notionVerificationTokenPending: result.pendingSecret });
      appendLog(em, {
        tenantId: integration.tenantId,
        integrationId: integration.id,
        kind: 'webhook_handshake',
        level: 'warn',
        message: `${def.name} sent a verification token; confirm it by copying it into the webhookSecret setting`,
      });
      await em.flush();
    }
    if (result.handshake) {
      outcome('handshake');
      return handshake(ctx, result.handshake);
    }
    outcome('rejected');
    ctx.deps.logger.warn({ provider: providerKey, integrationId: targets[0]?.id, reason: result.reason }, 'webhook rejected');
    return reply(ctx, 401, 'invalid_signature', 'Webhook verification failed.');
  }
  if (result.handshake) {
    outcome('handshake');
    return handshake(ctx, result.handshake);
  }
  if (result.ignore) {
    outcome('ignored');
    ctx.status = 200;
    ctx.body = { received: true };
    return;
  }
  if (!targets.length) {
    // App-level endpoint: now that the app secret verified it, route by the account id in the payload.
    try {
      targets = result.accountId ? await ctx.deps.webhookTargets.byAccount(providerKey, result.accountId) : [];
    } catch (error) {
      ctx.deps.logger.error({ err: error, provider: providerKey }, 'webhook routing failed: database unavailable');
      outcome('unavailable');
      return reply(ctx, 503, 'unavailable', 'Temporarily unavailable; retry later.');
    }
    if (!targets.length) {
      outcome('unrouted');
      ctx.deps.logger.info({ provider: providerKey, eventType: result.eventType }, 'verified webhook for no connected account');
      ctx.status = 202;
      ctx.body = { received: true, routed: 0 };
      return;
    }
  } else if (
    ACCOUNT_IS_CONNECTION.has(def.webhook.scheme) &&
    result.accountId &&
    targets[0]!.externalAccountId &&
    result.accountId !== targets[0]!.externalAccountId
  ) {
    // Where the payload's account is the connection's own account (Slack team, Notion workspace, Gmail
    // address), an event for another account on this URL is refused. GitHub's installation id is not the
    // connected user's id, so it is not compared.
    outcome('rejected');
    ctx.deps.logger.warn({ provider: providerKey, integrationId: targets[0]!.id }, 'webhook for another account than the integration');
    return reply(ctx, 401, 'invalid_signature', 'Webhook verification failed.');
  }

  const payload = body.toString('utf8').replaceAll('\u0000', '\uFFFD'); // PostgreSQL text cannot hold NUL; the bytes were verified already
  let accepted: string[];
  try {
    const written = await Promise.all(
      targets.map((target) =>
        ctx.deps.webhookWriter.write({
          tenantId: target.tenantId,
          integrationId: target.id,
          provider: providerKey,
          eventType: result.eventType,
          deliveryId: result.deliveryId,
          payload,
        }),
      ),
    );
    accepted = written.filter((w) => !w.duplicate).map((w) => w.eventId);
  } catch (error) {
    ctx.deps.logger.error({ err: error, provider: providerKey }, 'webhook not stored: database unavailable');
    outcome('unavailable');
    return reply(ctx, 503, 'unavailable', 'The event could not be stored; retry later.');
  }
  outcome(accepted.length ? 'accepted' : 'duplicate');
  ctx.status = 200;
  ctx.body = { received: true, ...(accepted.length === 1 ? { eventId: accepted[0] } : {}), duplicate: accepted.length === 0 };
}

const NO_QUERY = new URLSearchParams();
const ACCOUNT_IS_CONNECTION = new Set(['slack', 'notion', 'pubsub-oidc']);

function secretsFor(ctx: AppContext, def: ProviderDefinition, integration: WebhookTarget | undefined): Pick<DeliveryInput, 'secrets' | 'expect'> {
  const secrets: string[] = [];
  const setting = ctx.deps.providers.setting;
  const expect: Record<string, string | undefined> = {
    audience: setting(def.key, 'PUSH_AUDIENCE') ?? `${ctx.deps.env.PUBLIC_URL}${ctx.path}`,
    serviceAccount: setting(def.key, 'PUSH_SERVICE_ACCOUNT'),
    jwksUri: setting(def.key, 'PUSH_JWKS_URI'),
  };
  if (integration) {
    const own = integration.secrets;
    if (own.webhookSecret) secrets.push(own.webhookSecret);
    const previousValid = own.webhookSecretPrevious && (!own.webhookSecretPreviousExpiresAt || Date.parse(own.webhookSecretPreviousExpiresAt) > Date.now());
    if (previousValid) secrets.push(own.webhookSecretPrevious!);
    const subscribed = pushStateOf(integration.settings).channel;
    if (subscribed?.id) {
      // The Calendar channel or Graph subscription the connection workflow made: only its token's hash is kept.
      Object.assign(expect, {
        channelId: subscribed.id,
        resourceId: subscribed.resourceId,
        channelTokenHash: subscribed.tokenHash,
        subscriptionId: subscribed.id,
        clientStateHash: subscribed.tokenHash,
      });
    } else {
      // Configured by hand: a Calendar channel in settings with its token, or a Graph clientState, as secrets.
      const manual = integration.settings.calendarChannel as { id?: string; resourceId?: string } | undefined;
      Object.assign(expect, {
        channelId: manual?.id,
        resourceId: manual?.resourceId,
        channelTokenHash: own.calendarChannelToken ? sha256Hex(own.calendarChannelToken) : undefined,
        clientState: own.graphClientState,
      });
    }
  }
  // Per provider app (operator env), when the integration has no secret of its own.
  if (!secrets.length) {
    for (const suffix of ['WEBHOOK_SECRET', 'WEBHOOK_SECRET_PREVIOUS']) {
      const value = setting(def.key, suffix);
      if (value) secrets.push(value);
    }
  }
  return { secrets, expect };
}

function reply(ctx: AppContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.body = { error: { code, message } };
}

function handshake(ctx: AppContext, h: { status: number; contentType: string; body: string }): void {
  ctx.status = h.status;
  ctx.type = h.contentType;
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = h.body;
}
