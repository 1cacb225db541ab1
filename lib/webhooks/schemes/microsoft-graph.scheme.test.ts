import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../hash.ts';
import { verifyWith, type ExpectationSource } from '../scheme.ts';
import { microsoftGraphScheme } from './microsoft-graph.scheme.ts';

const source: ExpectationSource = {
  secrets: [],
  setting: () => undefined,
  endpointUrl: 'https://x',
  integration: { settings: {}, secrets: {}, channel: { id: 'sub-1', tokenHash: sha256Hex('state-1') } },
};
const req = (body: unknown, query = '') => ({ body: Buffer.from(JSON.stringify(body)), headers: {}, query: new URLSearchParams(query), nowSeconds: 0 });
const note = (over: Record<string, unknown> = {}) => ({ subscriptionId: 'sub-1', clientState: 'state-1', changeType: 'created', resource: 'r', ...over });

describe('microsoftGraphScheme', () => {
  it('echoes validationToken as text/plain only', async () => {
    expect(await verifyWith(microsoftGraphScheme, req({}, 'validationToken=%3Cb%3Ex'), source)).toEqual({
      kind: 'handshake',
      response: { status: 200, contentType: 'text/plain; charset=utf-8', body: '<b>x' },
    });
  });
  it('accepts notifications of our subscription with our clientState, and rejects any other', async () => {
    expect(await verifyWith(microsoftGraphScheme, req({ value: [note()] }), source)).toMatchObject({ kind: 'event', eventType: 'graph.created' });
    expect(await verifyWith(microsoftGraphScheme, req({ value: [note(), note({ clientState: 'x' })] }), source)).toMatchObject({ kind: 'rejected' });
    expect(await verifyWith(microsoftGraphScheme, req({ value: [note({ subscriptionId: 'sub-2' })] }), source)).toMatchObject({ kind: 'rejected' });
    expect(await verifyWith(microsoftGraphScheme, req({ value: [note({ clientState: 1 })] }), source)).toMatchObject({ kind: 'rejected' });
    expect(await verifyWith(microsoftGraphScheme, req({ value: [note()] }), { ...source, integration: undefined })).toMatchObject({ kind: 'rejected' });
  });
  it('asks for a new subscription on reauthorizationRequired and subscriptionRemoved', async () => {
    const result = await verifyWith(microsoftGraphScheme, req({ value: [note({ lifecycleEvent: 'subscriptionRemoved' })] }), source);
    expect(result).toMatchObject({ kind: 'event', eventType: 'graph.lifecycle.subscriptionRemoved' });
    expect(microsoftGraphScheme.actionFor('graph.lifecycle.subscriptionRemoved')).toBe('push_renew');
    expect(microsoftGraphScheme.actionFor('graph.lifecycle.reauthorizationRequired')).toBe('push_renew');
    expect(microsoftGraphScheme.actionFor('graph.created')).toBe('none');
  });
});
