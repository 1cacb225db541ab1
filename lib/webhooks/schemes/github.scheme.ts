// Docs: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries · https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
import { anySignatureMatches, hmac } from '../hmac.ts';
import { parseJson, rejected, text, type WebhookSchemeModule } from '../scheme.ts';

/** GitHub (and Notion): `sha256=` + hex HMAC(secret, raw body); no timestamp, dedupe on the delivery id (C.2). */
export function signSha256Hmac(body: string | Buffer, secret: string): string {
  return `sha256=${hmac(secret, 'hex', body)}`;
}

export function verifySha256Hmac(body: Buffer, signature: string | undefined, secrets: string[]): boolean {
  if (!signature?.startsWith('sha256=')) return false;
  return anySignatureMatches(secrets, [signature], (secret) => signSha256Hmac(body, secret));
}

export const signGithub = signSha256Hmac;

const REVOCATIONS = new Set(['installation.deleted', 'github_app_authorization.revoked']);
// The type GitHub names a GitHub App's own webhook with (docs list `app`; deliveries have said `integration`).
const APP_TARGETS = new Set(['integration', 'app']);

export const githubScheme: WebhookSchemeModule<{ secrets: string[] }> = {
  // A GitHub App's one webhook URL: routed by the installation and the App (never by the user's id).
  accountKey: 'externalInstallationId',
  expectations: (source) => ({ secrets: source.secrets }),
  verify({ body, headers }, { secrets }) {
    if (!secrets.length) return rejected('no webhook secret configured');
    if (!verifySha256Hmac(body, headers['x-hub-signature-256'], secrets)) return rejected('bad github signature');
    const deliveryId = headers['x-github-delivery'];
    if (!deliveryId) return rejected('missing X-GitHub-Delivery');
    const payload = parseJson(body);
    const action = text(payload, 'action');
    const event = headers['x-github-event'] ?? 'github';
    const targetType = headers['x-github-hook-installation-target-type'];
    return {
      kind: 'event',
      deliveryId,
      eventType: action ? `${event}.${action}` : event,
      route: {
        accountId: text(payload, 'installation.id'),
        // The header is covered by nothing, but only GitHub knows the secret that signed the body it came with.
        appId: targetType && APP_TARGETS.has(targetType) ? headers['x-github-hook-installation-target-id'] : undefined,
      },
    };
  },
  actionFor: (eventType) => (REVOCATIONS.has(eventType) ? 'provider_revoked' : 'none'),
};
