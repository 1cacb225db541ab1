import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { WebhookScheme } from '../../providers/types.ts';
import { safeEqual, sha256Hex } from '../hash.ts';
import { verifyGithub, verifyNotion, verifySlack, verifyStandardWebhook, verifyStripe } from './signatures.ts';

/**
 * One verifier per provider scheme (docs/security-reference.md part C, E.1). Fail-closed: anything not
 * positively verified is rejected with a reason for our logs (never sent to the caller).
 */

export interface DeliveryInput {
  body: Buffer;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  query: URLSearchParams;
  /** Secrets valid now (current first, then a previous one during rotation). */
  secrets: string[];
  nowSeconds: number;
  /** Provider-specific expectations: Calendar channel id/resource id/token hash, Pub/Sub audience… */
  expect: Record<string, string | undefined>;
  jwks?: JWTVerifyGetKey;
}

export type DeliveryResult =
  | { ok: true; deliveryId: string; eventType: string; payload: unknown; accountId?: string; handshake?: Handshake; ignore?: boolean }
  | { ok: false; reason: string; handshake?: Handshake; pendingSecret?: string };

export interface Handshake {
  status: number;
  contentType: string;
  body: string;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function get(source: unknown, dotted: string): unknown {
  let value = source;
  for (const part of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
const bodyHash = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 40);
const rejected = (reason: string): DeliveryResult => ({ ok: false, reason });

const jwksCache = new Map<string, JWTVerifyGetKey>();
export function remoteJwks(url: string): JWTVerifyGetKey {
  let jwks = jwksCache.get(url);
  if (!jwks) jwksCache.set(url, (jwks = createRemoteJWKSet(new URL(url))));
  return jwks;
}

export async function verifyDelivery(scheme: WebhookScheme, input: DeliveryInput): Promise<DeliveryResult> {
  const { body, headers, secrets, nowSeconds } = input;
  // Notion's handshake comes before any secret exists; its signed path still fails closed on an empty list.
  if (scheme !== 'microsoft-graph' && scheme !== 'google-channel' && scheme !== 'pubsub-oidc' && scheme !== 'notion' && !secrets.length)
    return rejected('no webhook secret configured');
  switch (scheme) {
    case 'slack': {
      if (!verifySlack(body, headers['x-slack-signature'], headers['x-slack-request-timestamp'], secrets, nowSeconds))
        return rejected('bad slack signature or stale timestamp');
      const payload = parseJson(body) ?? Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      if (get(payload, 'type') === 'url_verification') {
        const challenge = str(get(payload, 'challenge')) ?? '';
        return {
          ok: true,
          deliveryId: `challenge:${bodyHash(body)}`,
          eventType: 'url_verification',
          payload,
          ignore: true,
          handshake: { status: 200, contentType: 'text/plain', body: challenge },
        };
      }
      const deliveryId = str(get(payload, 'event_id')) ?? `sha256:${bodyHash(body)}`;
      const eventType = str(get(payload, 'event.type')) ?? str(get(payload, 'type')) ?? str(get(payload, 'command')) ?? 'slack.event';
      return {
        ok: true,
        deliveryId,
        eventType,
        payload,
        accountId: str(get(payload, 'team_id')) ?? str(get(payload, 'enterprise_id')) ?? str(get(payload, 'team.id')),
      };
    }
    case 'github': {
      if (!verifyGithub(body, headers['x-hub-signature-256'], secrets)) return rejected('bad github signature');
      const deliveryId = headers['x-github-delivery'];
      if (!deliveryId) return rejected('missing X-GitHub-Delivery');
      const payload = parseJson(body);
      const action = str(get(payload, 'action'));
      const event = headers['x-github-event'] ?? 'github';
      return { ok: true, deliveryId, eventType: action ? `${event}.${action}` : event, payload, accountId: str(get(payload, 'installation.id')) };
    }
    case 'stripe': {
      if (!verifyStripe(body, headers['stripe-signature'], secrets, nowSeconds)) return rejected('bad stripe signature or stale timestamp');
      const payload = parseJson(body);
      return {
        ok: true,
        deliveryId: str(get(payload, 'id')) ?? `sha256:${bodyHash(body)}`,
        eventType: str(get(payload, 'type')) ?? 'stripe.event',
        payload,
        accountId: str(get(payload, 'account')),
      };
    }
    case 'standard-webhooks': {
      const ok = verifyStandardWebhook(
        body,
        { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] },
        secrets,
        nowSeconds,
      );
      if (!ok) return rejected('bad standard-webhooks signature or stale timestamp');
      const payload = parseJson(body);
      return { ok: true, deliveryId: headers['webhook-id']!, eventType: str(get(payload, 'type')) ?? 'event', payload };
    }
    case 'notion': {
      const payload = parseJson(body);
      const signature = headers['x-notion-signature'];
      const token = str(get(payload, 'verification_token'));
      if (!signature && token && Object.keys(payload as object).length === 1) {
        // The handshake carries the future HMAC key itself, so it proves nothing: kept pending for an admin.
        return {
          ok: false,
          reason: 'notion verification handshake',
          handshake: { status: 200, contentType: 'application/json', body: '{"received":true}' },
          pendingSecret: token,
        };
      }
      if (!verifyNotion(body, signature, secrets)) return rejected('bad notion signature');
      return {
        ok: true,
        deliveryId: str(get(payload, 'id')) ?? `sha256:${bodyHash(body)}`,
        eventType: str(get(payload, 'type')) ?? 'notion.event',
        payload,
        accountId: str(get(payload, 'workspace_id')),
      };
    }
    case 'pubsub-oidc': {
      const auth = headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!match) return rejected('missing pub/sub bearer token');
      if (!input.expect.audience || !input.expect.serviceAccount) return rejected('pub/sub audience and service account are not configured');
      try {
        const jwks = input.jwks ?? remoteJwks(input.expect.jwksUri ?? 'https://www.googleapis.com/oauth2/v3/certs');
        const { payload: claims } = await jwtVerify(match[1]!, jwks, {
          issuer: ['https://accounts.google.com', 'accounts.google.com'],
          audience: input.expect.audience,
          currentDate: new Date(nowSeconds * 1000),
          algorithms: ['RS256'],
        });
        if (claims.email !== input.expect.serviceAccount || claims.email_verified !== true) return rejected('pub/sub token from another service account');
      } catch (error) {
        return rejected(`pub/sub token rejected: ${(error as { code?: string }).code ?? 'invalid'}`);
      }
      const payload = parseJson(body);
      const messageId = str(get(payload, 'message.messageId')) ?? str(get(payload, 'message.message_id'));
      const data = str(get(payload, 'message.data'));
      if (!messageId || !data) return rejected('not a pub/sub push envelope');
      const decoded = parseJson(Buffer.from(data.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
      return {
        ok: true,
        deliveryId: messageId,
        eventType: 'gmail.history',
        payload: { ...(payload as object), decoded },
        accountId: str(get(decoded, 'emailAddress')),
      };
    }
    case 'google-channel': {
      const channelId = headers['x-goog-channel-id'];
      const token = headers['x-goog-channel-token'];
      const resourceId = headers['x-goog-resource-id'];
      const state = headers['x-goog-resource-state'];
      const number = headers['x-goog-message-number'];
      const { channelId: expectedChannel, channelTokenHash, resourceId: expectedResource } = input.expect;
      if (!channelId || !expectedChannel || !safeEqual(channelId, expectedChannel)) return rejected('unknown calendar channel');
      if (!token || !channelTokenHash || !safeEqual(sha256Hex(token), channelTokenHash)) return rejected('bad calendar channel token');
      if (expectedResource && resourceId !== expectedResource) return rejected('calendar resource id mismatch');
      if (!number || !state) return rejected('missing calendar notification headers');
      const payload = { channelId, resourceId, resourceState: state, messageNumber: number, resourceUri: headers['x-goog-resource-uri'] };
      return { ok: true, deliveryId: `${channelId}:${number}`, eventType: `calendar.${state}`, payload, ignore: state === 'sync' };
    }
    case 'microsoft-graph': {
      const validationToken = input.query.get('validationToken');
      if (validationToken !== null) {
        // Echo as text/plain only, never HTML (C.8).
        return {
          ok: true,
          deliveryId: `validation:${bodyHash(Buffer.from(validationToken))}`,
          eventType: 'validation',
          payload: {},
          ignore: true,
          handshake: { status: 200, contentType: 'text/plain; charset=utf-8', body: validationToken },
        };
      }
      const payload = parseJson(body);
      const items = get(payload, 'value');
      // Either the clientState configured by hand (a secret) or the hash of the one Plugboard chose when it
      // subscribed, together with that subscription's id.
      const { clientState, clientStateHash, subscriptionId } = input.expect;
      if (!Array.isArray(items) || !items.length || (!clientState && !clientStateHash))
        return rejected('not a graph notification, or no clientState configured');
      const stateMatches = (n: Record<string, unknown>) =>
        typeof n?.clientState === 'string' && (clientStateHash ? safeEqual(sha256Hex(n.clientState), clientStateHash) : safeEqual(n.clientState, clientState!));
      if (!items.every(stateMatches)) return rejected('graph clientState mismatch');
      if (subscriptionId && !items.every((n) => typeof n?.subscriptionId === 'string' && n.subscriptionId === subscriptionId))
        return rejected('graph notification for another subscription');
      const first = items[0] as Record<string, unknown>;
      const key = items
        .map((n) => [n.subscriptionId, n.changeType, n.resource, get(n, 'resourceData.id'), n.subscriptionExpirationDateTime].join('|'))
        .join(',');
      const lifecycle = str(first.lifecycleEvent);
      const eventType = lifecycle ? `graph.lifecycle.${lifecycle}` : `graph.${str(first.changeType) ?? 'change'}`;
      return { ok: true, deliveryId: `graph:${sha256Hex(lifecycle ? `${key}|${lifecycle}` : key).slice(0, 40)}`, eventType, payload };
    }
  }
}
