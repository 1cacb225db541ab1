import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { insertUnroutedEvent } from '../../db/repositories/webhook-events.repository.ts';
import { storePendingVerification } from '../../db/repositories/webhook-verification.repository.ts';
import type { WebhookTarget } from '../../db/webhook-targets.ts';
import { webhookScheme } from '../../lib/webhooks/schemes/index.ts';
import {
  verifyWith,
  type ExpectationSource,
  type HandshakeResponse,
  type Verification,
  type WebhookRequest,
  type WebhookRoute,
} from '../../lib/webhooks/scheme.ts';
import { pushStateOf, type ProviderDefinition, type WebhookConfig } from '../../providers/types.ts';
import type { AppDeps } from '../context.ts';
import { integrationId as integrationIdSchema } from '../validation.ts';

/**
 * The webhook ingest (docs/architecture.md): raw bytes within the provider's limit, verification by the provider's
 * scheme in constant time, handshakes, routing, and the durable insert the ack waits for. Every request ends
 * in one tagged outcome, which the route turns into an HTTP answer and a metric in one place.
 *
 * Routing never trusts an unverified field (docs/security.md E.1 step 8). A per-integration URL verifies with
 * that integration's secret (or the operator app's, when the integration uses the operator's app) and refuses
 * an event another app or account sent. An app-level URL verifies with the operator app's secret, then routes
 * by (provider, app, account): only integrations connected through the operator's app, and through the app
 * the delivery names. What matches nothing is kept as unrouted and never processed.
 */
export type IngestOutcome =
  | { outcome: 'accepted'; eventIds: string[] }
  | { outcome: 'duplicate' }
  | { outcome: 'handshake'; response: HandshakeResponse }
  | { outcome: 'ignored' }
  | { outcome: 'unrouted' }
  | { outcome: 'rejected'; status: 400 | 401 | 404; code: string; message: string }
  | { outcome: 'too_large'; message: string }
  | { outcome: 'unavailable'; message: string };

export interface IngestRequest {
  providerKey: string;
  /** The path's integration id, on a per-integration URL. */
  integrationId?: string;
  stream: IncomingMessage;
  declaredLength: number | undefined;
  query: URLSearchParams;
  /** The absolute URL posted to. */
  endpointUrl: string;
}

type IngestDeps = Pick<AppDeps, 'providers' | 'webhookTargets' | 'webhookWriter' | 'orm' | 'vault' | 'logger'>;

const INVALID = { outcome: 'rejected', status: 401, code: 'invalid_signature', message: 'Webhook verification failed.' } as const;
const UNAVAILABLE = { outcome: 'unavailable', message: 'Temporarily unavailable; retry later.' } as const;

export async function ingestWebhook(deps: IngestDeps, req: IngestRequest): Promise<IngestOutcome> {
  const def = deps.providers.builtIns.get(req.providerKey);
  const config = def?.webhook;
  if (!def || !config) return { outcome: 'rejected', status: 404, code: 'unknown_webhook', message: 'No webhook endpoint for this provider.' };
  const tooLarge = { outcome: 'too_large', message: `Webhook bodies for ${def.name} are limited to ${config.maxBodyBytes} bytes.` } as const;
  if ((req.declaredLength ?? 0) > config.maxBodyBytes) return tooLarge;
  let body: Buffer;
  try {
    body = await getRawBody(req.stream, { limit: config.maxBodyBytes, length: req.declaredLength });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') return tooLarge;
    return { outcome: 'rejected', status: 400, code: 'unreadable_body', message: 'The request body could not be read.' };
  }
  // Node lower-cases header names and joins repeated ones with ", " (only set-cookie stays an array).
  const request: WebhookRequest = {
    body,
    headers: req.stream.headers as Record<string, string | undefined>,
    query: req.query,
    nowSeconds: Math.floor(Date.now() / 1000),
  };
  const scheme = webhookScheme(config.scheme);
  const source = (target: WebhookTarget | undefined) => expectationSource(deps, def, req.endpointUrl, target);

  let target: WebhookTarget | undefined;
  if (req.integrationId !== undefined) {
    const id = integrationIdSchema.safeParse(req.integrationId);
    const lookup = (fresh: boolean) => (id.success ? deps.webhookTargets.get(req.providerKey, id.data, { fresh }) : Promise.resolve(undefined));
    try {
      target = await lookup(false);
    } catch (error) {
      deps.logger.error({ err: error, provider: req.providerKey }, 'webhook lookup failed');
      return UNAVAILABLE;
    }
    if (!target) return { outcome: 'rejected', status: 404, code: 'unknown_integration', message: 'No such webhook endpoint.' };
    let verified = await verifyWith(scheme, request, source(target));
    if (verified.kind === 'rejected') {
      // The cached verification data may predate a secret change made through another API process.
      const fresh = await lookup(true).catch(() => undefined);
      if (fresh) verified = await verifyWith(scheme, request, source((target = fresh)));
    }
    return settle(deps, def, config, body, verified, target);
  }
  return settle(deps, def, config, body, await verifyWith(scheme, request, source(undefined)), undefined);
}

async function settle(
  deps: IngestDeps,
  def: ProviderDefinition,
  config: WebhookConfig,
  body: Buffer,
  verified: Verification,
  target: WebhookTarget | undefined,
): Promise<IngestOutcome> {
  const log = { provider: def.key, integrationId: target?.id };
  switch (verified.kind) {
    case 'rejected':
      deps.logger.warn({ ...log, reason: verified.reason }, 'webhook rejected');
      return INVALID;
    case 'ignored':
      return { outcome: 'ignored' };
    case 'handshake':
      if (verified.pendingSecret && target) {
        try {
          // Answered 200 either way; written at most once a minute, under the row lock PATCH takes.
          const stored = await storePendingVerification(deps.orm.em, deps.vault, {
            integrationId: target.id,
            tenantId: target.tenantId,
            token: verified.pendingSecret,
            providerName: def.name,
          });
          deps.logger.info({ ...log, stored }, 'webhook verification handshake');
        } catch (error) {
          deps.logger.error({ err: error, ...log }, 'webhook verification token not stored: database unavailable');
          return UNAVAILABLE;
        }
      }
      return { outcome: 'handshake', response: verified.response };
    case 'event':
      break;
  }
  const { route } = verified;
  const accountKey = webhookScheme(config.scheme).accountKey;
  let targets: WebhookTarget[];
  if (target) {
    const foreign = foreignEvent(route, target, accountKey);
    if (foreign) {
      deps.logger.warn({ ...log, reason: foreign }, 'webhook rejected');
      return INVALID;
    }
    targets = [target];
  } else {
    try {
      targets =
        accountKey && route.accountId
          ? await deps.webhookTargets.byAppRoute({ provider: def.key, accountKey, accountId: route.accountId, appId: route.appId })
          : [];
    } catch (error) {
      deps.logger.error({ err: error, provider: def.key }, 'webhook routing failed: database unavailable');
      return UNAVAILABLE;
    }
  }
  const payload = body.toString('utf8').replaceAll('\u0000', '\uFFFD'); // PostgreSQL text cannot hold NUL; the bytes were verified already
  try {
    if (!targets.length) {
      await insertUnroutedEvent(deps.orm.em.fork(), deps.vault, {
        provider: def.key,
        eventType: verified.eventType,
        deliveryId: verified.deliveryId,
        accountId: route.accountId,
        appId: route.appId,
        payload,
      });
      deps.logger.info({ provider: def.key, eventType: verified.eventType }, 'verified webhook for no integration of that app and account: kept as unrouted');
      return { outcome: 'unrouted' };
    }
    const written = await Promise.all(
      targets.map((t) =>
        deps.webhookWriter.write({
          tenantId: t.tenantId,
          integrationId: t.id,
          provider: def.key,
          eventType: verified.eventType,
          deliveryId: verified.deliveryId,
          payload,
        }),
      ),
    );
    const eventIds = written.filter((w) => !w.duplicate).map((w) => w.eventId);
    return eventIds.length ? { outcome: 'accepted', eventIds } : { outcome: 'duplicate' };
  } catch (error) {
    deps.logger.error({ err: error, provider: def.key }, 'webhook not stored: database unavailable');
    return { outcome: 'unavailable', message: 'The event could not be stored; retry later.' };
  }
}

/** Why an event verified on an integration's own URL is not for it: another app, or another account. */
function foreignEvent(route: WebhookRoute, target: WebhookTarget, accountKey: 'externalAccountId' | 'externalInstallationId' | null): string | undefined {
  if (route.appId && target.oauthAppId && route.appId !== target.oauthAppId) return 'event from another app than the integration';
  const own = accountKey ? target[accountKey] : null;
  if (route.accountId && own && route.accountId !== own) return 'event for another account than the integration';
  return undefined;
}

/**
 * The secrets a delivery verifies with: the integration's own (and the previous one for a day after a
 * change), else the operator app's — but never the operator's for an integration on the tenant's own app.
 */
function expectationSource(deps: IngestDeps, def: ProviderDefinition, endpointUrl: string, target: WebhookTarget | undefined): ExpectationSource {
  const setting = (suffix: string) => deps.providers.setting(def.key, suffix);
  const secrets: string[] = [];
  if (target) {
    const own = target.secrets;
    if (own.webhookSecret) secrets.push(own.webhookSecret);
    const previousValid = own.webhookSecretPrevious && (!own.webhookSecretPreviousExpiresAt || Date.parse(own.webhookSecretPreviousExpiresAt) > Date.now());
    if (previousValid) secrets.push(own.webhookSecretPrevious!);
  }
  if (!secrets.length && !target?.ownApp) {
    for (const suffix of ['WEBHOOK_SECRET', 'WEBHOOK_SECRET_PREVIOUS']) {
      const value = setting(suffix);
      if (value) secrets.push(value);
    }
  }
  return {
    secrets,
    setting,
    endpointUrl,
    integration: target && { settings: target.settings, secrets: target.secrets, channel: pushStateOf(target.settings).channel },
  };
}
