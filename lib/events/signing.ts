import { signStandardWebhook } from '../webhooks/signatures.ts';

/**
 * The `webhook-signature` header for a tenant event: one `v1,<sig>` per secret in use, space-separated (Standard
 * Webhooks), so a receiver that still knows only the previous secret verifies during the 24 h after a rotation.
 */
export function signEvent(body: string, secrets: readonly string[], id: string, timestamp: number): string {
  return secrets.map((secret) => signStandardWebhook(body, secret, id, timestamp)).join(' ');
}
