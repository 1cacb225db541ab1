/**
 * Sandbox webhooks for tests that drive the webhook path through the real API: a sandbox integration with its
 * webhook secret (and, when it forwards, its forwarding secret), an event endpoint, and a signed Standard Webhooks
 * delivery, acked.
 */
import { expect } from 'vitest';
import { signStandardWebhook } from '../lib/webhooks/signatures.ts';
import type { TestApi } from './helpers.ts';

export interface SandboxIntegration {
  id: string;
  secret: string;
}

/** The sandbox integration of the tenant of `key` (a tenant has one per provider), forwarding to `forwardUrl` if set. */
export async function sandboxIntegration(api: TestApi, key: string, forwardUrl?: string): Promise<SandboxIntegration> {
  const secret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
  const created = await api.request('POST', '/api/v1/integrations', {
    key,
    body: { provider: 'sandbox', secrets: { webhookSecret: secret }, ...(forwardUrl ? { settings: { forwardUrl } } : {}) },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.data.id as string;
  if (forwardUrl) expect((await api.request('POST', `/api/v1/integrations/${id}/forwarding-secret`, { key })).status).toBe(201);
  return { id, secret };
}

/** An event endpoint of the tenant of `key` delivering `eventTypes` to `url`; its id. */
export async function eventEndpoint(api: TestApi, key: string, url: string, eventTypes: string[]): Promise<string> {
  const created = await api.request('POST', '/api/v1/event-endpoints', { key, body: { url, eventTypes } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data.id as string;
}

/** Sends one signed sandbox event (`item.updated`, item `n`, webhook-id from the integration and `n`); its event id once acked. */
export async function sendSandboxWebhook(api: TestApi, integration: SandboxIntegration, n: number | string): Promise<string> {
  const webhookId = `msg_${integration.id}_${n}`;
  const ts = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: 'item.updated', timestamp: new Date().toISOString(), data: { id: `item_${n}` } });
  const res = await fetch(`${api.url}/webhooks/sandbox/${integration.id}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(body, integration.secret, webhookId, ts),
    },
    body,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { eventId: string }).eventId;
}
