export { ApiKey, API_KEY_SCOPES, type ApiKeyScope } from './api-key.entity.ts';
export { CustomProvider } from './custom-provider.entity.ts';
export { EncryptionKey } from './encryption-key.entity.ts';
export { EventEndpoint } from './event-endpoint.entity.ts';
export { Integration, INTEGRATION_STATUSES, type IntegrationStatus } from './integration.entity.ts';
export { IntegrationLog } from './integration-log.entity.ts';
export { IntegrationStatusChange } from './integration-status-change.entity.ts';
export { OAuthFlow } from './oauth-flow.entity.ts';
export { ProviderHealth, ProviderIncident } from './provider-incident.entity.ts';
export { ReauthorizationNotice } from './reauthorization-notice.entity.ts';
export { SyncRecord } from './sync-record.entity.ts';
export { Tenant } from './tenant.entity.ts';
export {
  ACTOR_TYPES,
  AppUser,
  AuditEntry,
  Invitation,
  Membership,
  ROLES,
  SsoFlow,
  UserIdentity,
  UserSession,
  type ActorType,
  type Role,
} from './team.entity.ts';
export { EventDelivery, EventDeliveryAttempt, EVENT_DELIVERY_STATUSES, TenantEvent, type EventDeliveryStatus } from './tenant-event.entity.ts';
export { UnroutedWebhookEvent, WebhookEvent, WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from './webhook-event.entity.ts';

import { ApiKey } from './api-key.entity.ts';
import { CustomProvider } from './custom-provider.entity.ts';
import { EncryptionKey } from './encryption-key.entity.ts';
import { EventEndpoint } from './event-endpoint.entity.ts';
import { Integration } from './integration.entity.ts';
import { IntegrationLog } from './integration-log.entity.ts';
import { IntegrationStatusChange } from './integration-status-change.entity.ts';
import { OAuthFlow } from './oauth-flow.entity.ts';
import { ProviderHealth, ProviderIncident } from './provider-incident.entity.ts';
import { ReauthorizationNotice } from './reauthorization-notice.entity.ts';
import { SyncRecord } from './sync-record.entity.ts';
import { Tenant } from './tenant.entity.ts';
import { AppUser, AuditEntry, Invitation, Membership, SsoFlow, UserIdentity, UserSession } from './team.entity.ts';
import { EventDelivery, EventDeliveryAttempt, TenantEvent } from './tenant-event.entity.ts';
import { UnroutedWebhookEvent, WebhookEvent } from './webhook-event.entity.ts';

export const ENTITIES = [
  Tenant,
  ApiKey,
  Integration,
  IntegrationLog,
  IntegrationStatusChange,
  WebhookEvent,
  OAuthFlow,
  CustomProvider,
  EncryptionKey,
  SyncRecord,
  UnroutedWebhookEvent,
  EventEndpoint,
  TenantEvent,
  EventDelivery,
  EventDeliveryAttempt,
  ProviderHealth,
  ProviderIncident,
  ReauthorizationNotice,
  AppUser,
  UserIdentity,
  Membership,
  Invitation,
  UserSession,
  AuditEntry,
  SsoFlow,
];
