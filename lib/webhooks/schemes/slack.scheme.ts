// Docs: https://docs.slack.dev/authentication/verifying-requests-from-slack · https://docs.slack.dev/reference/events/url_verification
import { anySignatureMatches, hmac, withinReplayWindow } from '../hmac.ts';
import { bodyHash, parseJson, rejected, text, type WebhookSchemeModule } from '../scheme.ts';

/** Slack: `v0=` + hex HMAC(signing secret, `v0:{ts}:{raw body}`), ±5 min (docs/security.md C.1). */
export function signSlack(body: string | Buffer, secret: string, timestamp: number): string {
  return `v0=${hmac(secret, 'hex', `v0:${timestamp}:`, body)}`;
}

export function verifySlack(body: Buffer, signature: string | undefined, timestamp: string | undefined, secrets: string[], nowSeconds: number): boolean {
  if (!signature || withinReplayWindow(timestamp, nowSeconds) === null) return false;
  return anySignatureMatches(secrets, [signature], (secret) => signSlack(body, secret, Number(timestamp)));
}

const REVOCATIONS = new Set(['tokens_revoked', 'app_uninstalled']);

export const slackScheme: WebhookSchemeModule<{ secrets: string[] }> = {
  // One Events request URL per app: routed by workspace (team, or enterprise for an org-wide install) and app.
  accountKey: 'externalAccountId',
  expectations: (source) => ({ secrets: source.secrets }),
  verify({ body, headers, nowSeconds }, { secrets }) {
    if (!secrets.length) return rejected('no webhook secret configured');
    if (!verifySlack(body, headers['x-slack-signature'], headers['x-slack-request-timestamp'], secrets, nowSeconds))
      return rejected('bad slack signature or stale timestamp');
    // Events API and interactivity send JSON; slash commands a form (interactivity wraps JSON in `payload=`).
    let payload = parseJson(body);
    if (payload === undefined) {
      const form = new URLSearchParams(body.toString('utf8'));
      payload = form.has('payload') ? (parseJson(Buffer.from(form.get('payload')!)) ?? Object.fromEntries(form)) : Object.fromEntries(form);
    }
    if (text(payload, 'type') === 'url_verification') {
      // Signed like any event, answered with the challenge (C.1).
      return { kind: 'handshake', response: { status: 200, contentType: 'text/plain', body: text(payload, 'challenge') ?? '' } };
    }
    return {
      kind: 'event',
      deliveryId: text(payload, 'event_id') ?? `sha256:${bodyHash(body)}`,
      eventType: text(payload, 'event.type') ?? text(payload, 'type') ?? text(payload, 'command') ?? 'slack.event',
      route: {
        // Events API envelopes carry `team_id`/`enterprise_id`; interactivity payloads `team.id`.
        accountId: text(payload, 'team_id') ?? text(payload, 'enterprise_id') ?? text(payload, 'team.id'),
        appId: text(payload, 'api_app_id'),
      },
    };
  },
  actionFor: (eventType) => (REVOCATIONS.has(eventType) ? 'provider_revoked' : 'none'),
};
