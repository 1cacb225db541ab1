import { describe, expect, it } from 'vitest';
import { verifyWith, type ExpectationSource } from '../scheme.ts';
import { notionScheme, signNotion } from './notion.scheme.ts';

const b = (s: string) => Buffer.from(s, 'utf8');
const source = (secrets: string[]): ExpectationSource => ({ secrets, setting: () => undefined, endpointUrl: 'https://x/webhooks/notion' });
const req = (body: string, headers: Record<string, string> = {}) => ({ body: b(body), headers, query: new URLSearchParams(), nowSeconds: 0 });

describe('notionScheme', () => {
  it('verifies the self-generated vector over the raw bytes (no official vector exists)', async () => {
    const body = '{"id":"367cba44-b6f3-4c92-81e7-6a2e9659efd4","type":"page.created"}';
    const sig = 'sha256=57673bb8227d641ecc389f84d0ba2219c65c3425b14c7623681edf6885e89f6a';
    expect(signNotion(body, 'secret_test_verification_token')).toBe(sig);
    expect(await verifyWith(notionScheme, req(body, { 'x-notion-signature': sig }), source(['secret_test_verification_token']))).toMatchObject({
      kind: 'event',
      deliveryId: '367cba44-b6f3-4c92-81e7-6a2e9659efd4',
      eventType: 'page.created',
    });
    const changed = body.replace('created', 'updated');
    expect(await verifyWith(notionScheme, req(changed, { 'x-notion-signature': sig }), source(['secret_test_verification_token']))).toMatchObject({
      kind: 'rejected',
    });
  });
  it('turns an unsigned {verification_token} into a pending secret, and nothing else unsigned', async () => {
    expect(await verifyWith(notionScheme, req('{"verification_token":"secret_abc"}'), source([]))).toEqual({
      kind: 'handshake',
      response: { status: 200, contentType: 'application/json', body: '{"received":true}' },
      pendingSecret: 'secret_abc',
    });
    expect(await verifyWith(notionScheme, req('{"verification_token":"secret_abc","type":"page.created"}'), source(['s']))).toMatchObject({
      kind: 'rejected',
    });
  });
  it('routes by workspace and hints a sync for page and database events', async () => {
    const body = JSON.stringify({ id: 'e1', type: 'database.updated', workspace_id: 'ws-1' });
    expect(await verifyWith(notionScheme, req(body, { 'x-notion-signature': signNotion(body, 's') }), source(['s']))).toMatchObject({
      route: { accountId: 'ws-1' },
    });
    expect(notionScheme.actionFor('database.updated')).toBe('sync_hint');
    expect(notionScheme.actionFor('comment.created')).toBe('none');
  });
});
