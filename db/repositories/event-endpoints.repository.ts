import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Vault } from '../../lib/vault.ts';
import { EventDelivery, EventDeliveryAttempt, EventEndpoint } from '../entities/index.ts';
import { newEndpointSecret, setEndpointSecret } from '../event-endpoint-secrets.ts';

/** A tenant's event endpoints (every query tenant-scoped; another tenant's endpoint is a 404). */
export class EventEndpointRepository {
  private readonly em: EntityManager;
  private readonly tenantId: string;
  private readonly vault: Vault;

  constructor(em: EntityManager, tenantId: string, vault: Vault) {
    this.em = em;
    this.tenantId = tenantId;
    this.vault = vault;
  }

  list(): Promise<EventEndpoint[]> {
    return this.em.find(EventEndpoint, { tenantId: this.tenantId }, { orderBy: { id: 'asc' }, limit: 100 });
  }

  count(): Promise<number> {
    return this.em.count(EventEndpoint, { tenantId: this.tenantId });
  }

  async get(id: string): Promise<EventEndpoint> {
    const endpoint = await this.em.findOne(EventEndpoint, { id, tenantId: this.tenantId });
    if (!endpoint) throw notFound('Event endpoint');
    return endpoint;
  }

  /** A new endpoint and its secret (returned this once). */
  async create(input: { url: string; description: string; eventTypes: string[] | null }): Promise<{ endpoint: EventEndpoint; secret: string }> {
    const endpoint = this.em.create(EventEndpoint, { id: newId('wep'), tenantId: this.tenantId, ...input, secret: '' });
    const secret = newEndpointSecret();
    setEndpointSecret(this.vault, endpoint, secret);
    await this.em.flush();
    return { endpoint, secret };
  }

  async update(id: string, patch: { url?: string; description?: string; eventTypes?: string[] | null; enabled?: boolean }): Promise<EventEndpoint> {
    const endpoint = await this.get(id);
    if (patch.url !== undefined) endpoint.url = patch.url;
    if (patch.description !== undefined) endpoint.description = patch.description;
    if (patch.eventTypes !== undefined) endpoint.eventTypes = patch.eventTypes;
    if (patch.enabled === true && endpoint.disabledAt) {
      endpoint.disabledAt = null;
      endpoint.disabledReason = null;
      endpoint.failingSince = null;
    } else if (patch.enabled === false && !endpoint.disabledAt) {
      endpoint.disabledAt = new Date();
      endpoint.disabledReason = 'disabled by the tenant';
    }
    await this.em.flush();
    return endpoint;
  }

  /** A new secret (returned this once); the previous one keeps signing beside it for 24 h. */
  async rotateSecret(id: string): Promise<{ endpoint: EventEndpoint; secret: string }> {
    const endpoint = await this.get(id);
    const secret = newEndpointSecret();
    setEndpointSecret(this.vault, endpoint, secret);
    await this.em.flush();
    return { endpoint, secret };
  }

  /** Deletes the endpoint with its deliveries and their attempts (the events stay for the tenant's other endpoints). */
  async delete(id: string): Promise<void> {
    const endpoint = await this.get(id);
    await this.em.transactional(async (tem) => {
      await tem.nativeDelete(EventDeliveryAttempt, { endpointId: endpoint.id, tenantId: this.tenantId });
      await tem.nativeDelete(EventDelivery, { endpointId: endpoint.id, tenantId: this.tenantId });
      await tem.nativeDelete(EventEndpoint, { id: endpoint.id, tenantId: this.tenantId });
    });
    this.em.clear();
  }
}
