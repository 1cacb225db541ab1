/**
 * What the dashboard's event-endpoint pages read besides the CRUD routes (issue 14 item 1): the list of event types
 * an endpoint can subscribe to (one source: lib/events/types.ts) and one delivery by id — against a real API and
 * PostgreSQL (no relay runs here, so the delivery stays pending).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventDelivery } from '../db/entities/index.ts';
import { emitTenantEvent } from '../db/tenant-events.ts';
import { TENANT_EVENT_TYPES } from '../lib/events/types.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
}, 60_000);
afterAll(async () => {
  await api?.close();
});

describe('event endpoints API for the dashboard', () => {
  it('lists the event types an endpoint can subscribe to, behind an API key', async () => {
    const { apiKey: key } = await api.newTenant();
    const res = await api.request('GET', '/api/v1/event-types', { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual([...TENANT_EVENT_TYPES]);
    expect(res.body.data).toContain('integration.connected');
    expect((await api.request('GET', '/api/v1/event-types')).status).toBe(401);
  });

  it("answers one delivery of the endpoint by id, and 404 for a malformed id, another endpoint's or another tenant's", async () => {
    const { tenantId, apiKey: key } = await api.newTenant();
    const { apiKey: other } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/event-endpoints', { key, body: { url: 'https://a.example/events' } });
    const second = await api.request('POST', '/api/v1/event-endpoints', { key, body: { url: 'https://b.example/events' } });
    expect(created.status).toBe(201);
    const endpointId = created.body.data.id as string;
    const em = api.deps.orm.em.fork();
    const event = await emitTenantEvent(em, api.deps.vault, { tenantId, type: 'integration.connected', data: { integrationId: 'int_x' } });
    await em.flush();
    const delivery = await em.findOneOrFail(EventDelivery, { endpointId });

    const res = await api.request('GET', `/api/v1/event-endpoints/${endpointId}/deliveries/${delivery.id}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ id: delivery.id, eventId: event!.id, eventType: 'integration.connected', status: 'pending', attempts: 0 });
    for (const [path, k] of [
      [`/api/v1/event-endpoints/${endpointId}/deliveries/dlv_nope`, key],
      [`/api/v1/event-endpoints/${second.body.data.id}/deliveries/${delivery.id}`, key],
      [`/api/v1/event-endpoints/${endpointId}/deliveries/${delivery.id}`, other],
    ] as const) {
      const miss = await api.request('GET', path, { key: k });
      expect(miss.status, path).toBe(404);
      expect(miss.body.error.code).toBe('not_found');
    }
  });
});
