// Docs: https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions · https://developers.google.com/workspace/gmail/api/guides/push
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { parseJson, rejected, text, type WebhookSchemeModule } from '../scheme.ts';

export interface PubSubExpectations {
  /** The push subscription's OIDC audience (default: the endpoint URL, as Pub/Sub does). */
  audience: string;
  /** The service account the push subscription authenticates as; unset → every push is refused. */
  serviceAccount?: string;
  jwks: JWTVerifyGetKey;
}

const GOOGLE_JWKS = 'https://www.googleapis.com/oauth2/v3/certs';
const jwksCache = new Map<string, JWTVerifyGetKey>();
function remoteJwks(url: string): JWTVerifyGetKey {
  let jwks = jwksCache.get(url);
  if (!jwks) jwksCache.set(url, (jwks = createRemoteJWKSet(new URL(url))));
  return jwks;
}

/**
 * Gmail through Cloud Pub/Sub authenticated push (C.4): an RS256 OIDC token from Google for the operator's
 * push subscription (audience) and service account. That subscription is the "app" of every Gmail watch, so
 * events route by mailbox alone.
 */
export const pubsubOidcScheme: WebhookSchemeModule<PubSubExpectations> = {
  accountKey: 'externalAccountId',
  expectations: (source) => ({
    audience: source.setting('PUSH_AUDIENCE') ?? source.endpointUrl,
    serviceAccount: source.setting('PUSH_SERVICE_ACCOUNT'),
    jwks: remoteJwks(source.setting('PUSH_JWKS_URI') ?? GOOGLE_JWKS),
  }),
  async verify({ body, headers, nowSeconds }, expect) {
    const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
    if (!match) return rejected('missing pub/sub bearer token');
    if (!expect.serviceAccount) return rejected('pub/sub service account is not configured');
    try {
      const { payload: claims } = await jwtVerify(match[1]!, expect.jwks, {
        issuer: ['https://accounts.google.com', 'accounts.google.com'],
        audience: expect.audience,
        currentDate: new Date(nowSeconds * 1000),
        algorithms: ['RS256'],
      });
      if (claims.email !== expect.serviceAccount || claims.email_verified !== true) return rejected('pub/sub token from another service account');
    } catch (error) {
      return rejected(`pub/sub token rejected: ${(error as { code?: string }).code ?? 'invalid'}`);
    }
    const payload = parseJson(body);
    const messageId = text(payload, 'message.messageId') ?? text(payload, 'message.message_id');
    const data = text(payload, 'message.data');
    if (!messageId || !data) return rejected('not a pub/sub push envelope');
    // Gmail's docs call it base64url; accept both alphabets.
    const decoded = parseJson(Buffer.from(data.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    return { kind: 'event', deliveryId: messageId, eventType: 'gmail.history', route: { accountId: text(decoded, 'emailAddress') } };
  },
  actionFor: (eventType) => (eventType === 'gmail.history' ? 'sync_hint' : 'none'),
};
