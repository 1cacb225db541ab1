import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../hash.ts';
import { verifyWith, type ExpectationSource } from '../scheme.ts';
import { googleChannelScheme } from './google-channel.scheme.ts';

const source = (channel = { id: 'chan-1', resourceId: 'res-1', tokenHash: sha256Hex('tok') }): ExpectationSource => ({
  secrets: [],
  setting: () => undefined,
  endpointUrl: 'https://x',
  integration: { settings: {}, secrets: {}, channel },
});
const req = (headers: Record<string, string>) => ({ body: Buffer.alloc(0), headers, query: new URLSearchParams(), nowSeconds: 0 });
const good = {
  'x-goog-channel-id': 'chan-1',
  'x-goog-channel-token': 'tok',
  'x-goog-resource-id': 'res-1',
  'x-goog-resource-state': 'exists',
  'x-goog-message-number': '7',
};

describe('googleChannelScheme', () => {
  it('accepts our channel with its token and resource; a sync message is ignored', async () => {
    expect(await verifyWith(googleChannelScheme, req(good), source())).toEqual({
      kind: 'event',
      deliveryId: 'chan-1:7',
      eventType: 'calendar.exists',
      route: {},
    });
    expect(await verifyWith(googleChannelScheme, req({ ...good, 'x-goog-resource-state': 'sync' }), source())).toMatchObject({ kind: 'ignored' });
  });
  it('rejects a wrong token, another channel or resource, and any channel on an app-level URL', async () => {
    expect(await verifyWith(googleChannelScheme, req({ ...good, 'x-goog-channel-token': 'tok2' }), source())).toMatchObject({ kind: 'rejected' });
    expect(await verifyWith(googleChannelScheme, req({ ...good, 'x-goog-channel-id': 'chan-2' }), source())).toMatchObject({ kind: 'rejected' });
    expect(await verifyWith(googleChannelScheme, req({ ...good, 'x-goog-resource-id': 'res-2' }), source())).toMatchObject({ kind: 'rejected' });
    expect(await verifyWith(googleChannelScheme, req(good), { ...source(), integration: undefined })).toMatchObject({ kind: 'rejected' });
  });
  it('hints a sync for exists/not_exists', () => {
    expect(googleChannelScheme.actionFor('calendar.exists')).toBe('sync_hint');
    expect(googleChannelScheme.actionFor('calendar.not_exists')).toBe('sync_hint');
    expect(googleChannelScheme.actionFor('calendar.sync')).toBe('none');
  });
});
