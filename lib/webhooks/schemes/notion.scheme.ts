// Docs: https://developers.notion.com/reference/webhooks
import { bodyHash, parseJson, rejected, text, type WebhookSchemeModule } from '../scheme.ts';
import { signSha256Hmac, verifySha256Hmac } from './github.scheme.ts';

/** Notion: `X-Notion-Signature: sha256=` + hex HMAC(verification token, raw body) — GitHub's construction (C.3). */
export const signNotion = signSha256Hmac;

export const notionScheme: WebhookSchemeModule<{ secrets: string[] }> = {
  accountKey: 'externalAccountId',
  expectations: (source) => ({ secrets: source.secrets }),
  verify({ body, headers }, { secrets }) {
    const payload = parseJson(body);
    const signature = headers['x-notion-signature'];
    const token = text(payload, 'verification_token');
    if (!signature && token && Object.keys(payload as object).length === 1) {
      // The handshake carries the future HMAC key itself, so it proves nothing: kept pending for an admin.
      return { kind: 'handshake', response: { status: 200, contentType: 'application/json', body: '{"received":true}' }, pendingSecret: token };
    }
    if (!secrets.length) return rejected('no webhook secret configured');
    if (!verifySha256Hmac(body, signature, secrets)) return rejected('bad notion signature');
    return {
      kind: 'event',
      deliveryId: text(payload, 'id') ?? `sha256:${bodyHash(body)}`,
      eventType: text(payload, 'type') ?? 'notion.event',
      route: { accountId: text(payload, 'workspace_id') },
    };
  },
  // Notion events are thin: "a page or database changed", the data comes from a sync.
  actionFor: (eventType) => (/^(page|database)\./.test(eventType) ? 'sync_hint' : 'none'),
};
