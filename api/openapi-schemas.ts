import { z } from 'zod';
import { EVENT_DELIVERY_STATUSES, INTEGRATION_STATUSES, WEBHOOK_EVENT_STATUSES } from '../db/entities/index.ts';
import { TENANT_EVENT_TYPES } from '../lib/events/types.ts';

/**
 * Response shapes of the main /api/v1 resources, for the OpenAPI document (api/openapi.ts) and the SDK's types.
 * Requests are validated by the route modules' own schemas and are not repeated here; responses are built by the
 * routes' `present*` functions, which these describe (test/sdk.test.ts parses real responses with them).
 */

const timestamp = z.string().meta({ format: 'date-time', description: 'ISO 8601 date-time (UTC)' });
const nullableTimestamp = timestamp.nullable();

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, machine-readable error code (see the API description for the list).', example: 'validation_failed' }),
      message: z.string().meta({ description: 'What went wrong, for a person. 5xx messages are generic.' }),
      details: z
        .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
        .optional()
        .meta({ description: 'Field-level problems of a `validation_failed` (or similar) error.' }),
      requestId: z.string().meta({ description: 'The `X-Request-Id` of this request: quote it when reporting a problem.' }),
    }),
  })
  .meta({
    description: 'Every error response of the API (api/middleware/errors.ts).',
    example: {
      error: {
        code: 'validation_failed',
        message: 'provider: Invalid input',
        details: [{ path: 'provider', message: 'Invalid input' }],
        requestId: '5f0c6b1e-8d2a-4c1e-9a7b-3d2f1e0c9b8a',
      },
    },
  });

/**
 * Columns the row has not stored yet are absent (not null) in the answer to `POST /integrations`, which presents the
 * entity before it is read back; every later answer carries them.
 */
const unsetOnCreate = <T extends z.ZodType>(schema: T) => schema.optional().meta({ description: 'Absent in the answer to POST /integrations.' });

/** `GET /integrations/:id` adds `uptime`; every other integration response is this shape. */
export const Integration = z
  .object({
    id: z.string().meta({ example: 'int_01kx3d9w7q0000000000000000' }),
    provider: z.string().meta({ example: 'github' }),
    displayName: z.string().nullable(),
    status: z.enum(INTEGRATION_STATUSES),
    authorizationExpiresAt: nullableTimestamp.meta({ description: 'While pending: when the open connect flow expires.' }),
    settings: z.record(z.string(), z.unknown()).meta({ description: 'Non-secret settings (forwardUrl, syncIntervalMinutes, scopes, custom, …).' }),
    push: z
      .object({ active: z.boolean(), channelId: z.string().nullable(), expiresAt: nullableTimestamp, renewAt: nullableTimestamp, error: z.string().nullable() })
      .nullable()
      .meta({ description: 'Provider push subscription kept by the connection workflow; null when none.' }),
    secretsSet: z.array(z.string()).meta({ description: 'Names of the secrets stored for it (never their values).' }),
    webhookVerificationPending: z.boolean(),
    externalAccountId: unsetOnCreate(z.string().nullable()),
    scopes: unsetOnCreate(z.array(z.string()).nullable()),
    tokenExpiresAt: unsetOnCreate(nullableTimestamp),
    refreshTokenExpiresAt: unsetOnCreate(nullableTimestamp),
    reauthorizationDueInDays: z.number().int().nullable(),
    reauthorizationOverdue: z.boolean(),
    lastSync: unsetOnCreate(nullableTimestamp),
    lastError: unsetOnCreate(z.string().nullable()),
    errorCount: unsetOnCreate(z.number().int()),
    webhookUrl: z.string().meta({ description: "Where the provider sends this integration's webhooks." }),
    workflowId: z.string().nullable(),
    workflowUrl: z.string().nullable().meta({ description: 'The connection workflow in the Temporal UI.' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ description: 'An integration: one tenant connected (or connecting) to one provider. Never credentials or secret values.' });

export const IntegrationWithUptime = Integration.extend({
  uptime: z.object({
    value: z.number().nullable().meta({ description: 'Seconds active ÷ seconds connected in the window; null when never connected in it.' }),
    healthySeconds: z.number(),
    connectedSeconds: z.number(),
    window: z.string().meta({ example: '30d' }),
  }),
});

const BearerToken = z
  .object({
    accessToken: z.string().meta({ description: "The provider's access token. The only response that carries one." }),
    tokenType: z.literal('Bearer'),
    expiresAt: nullableTimestamp,
  })
  .meta({ description: 'OAuth 2.0 and the minted modes (client credentials, GitHub App installation, JWT bearer).' });

const placedCredential = {
  headers: z.record(z.string(), z.string()).meta({ description: 'The headers to send, credential in place (what the proxy sends).' }),
  query: z.record(z.string(), z.string()).meta({ description: 'The query parameters to send, credential in place.' }),
  expiresAt: z.null().meta({ description: 'A static credential does not expire.' }),
};

const ApiKeyToken = z
  .object({
    type: z.literal('api_key'),
    apiKey: z.string().meta({ description: 'The API key the integration was connected with.' }),
    fields: z.record(z.string(), z.string()).meta({ description: "The entry's other credential fields by name (Datadog `applicationKey`)." }),
    ...placedCredential,
  })
  .meta({ description: 'An API-key integration.' });

const BasicToken = z
  .object({
    type: z.literal('basic'),
    username: z.string(),
    password: z.string(),
    ...placedCredential,
  })
  .meta({ description: 'An HTTP Basic integration (`headers.Authorization` is `Basic …`).' });

export const Token = z
  .union([BearerToken, ApiKeyToken, BasicToken])
  .meta({ example: { accessToken: 'gho_…', tokenType: 'Bearer', expiresAt: '2026-12-02T13:00:00.000Z' } });

export const ConnectStarted = z
  .object({
    connectUrl: z.string().meta({ description: 'One-time URL on this origin: open it in the browser of the person who authorizes.' }),
    expiresAt: timestamp,
  })
  .meta({ example: { connectUrl: 'https://plugboard.example.com/oauth/connect/abc…', expiresAt: '2026-12-02T13:10:00.000Z' } });

export const DisconnectResult = z.object({
  status: z.enum(INTEGRATION_STATUSES),
  revoked: z.boolean().meta({ description: 'Whether the provider confirmed the revocation.' }),
  detail: z.string().meta({ description: "The provider's answer to the revocation, or why there was none." }),
});

export const RefreshResult = z.object({ status: z.enum(INTEGRATION_STATUSES), tokenExpiresAt: nullableTimestamp });

export const EventEndpoint = z
  .object({
    id: z.string().meta({ example: 'wep_01kx3d9w7q0000000000000000' }),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.enum(TENANT_EVENT_TYPES)).nullable().meta({ description: 'Subscribed types; null for every type.' }),
    enabled: z.boolean(),
    disabledAt: nullableTimestamp,
    disabledReason: z.string().nullable(),
    failingSince: nullableTimestamp,
    previousSecretExpiresAt: nullableTimestamp.meta({ description: 'After a rotation, the previous secret signs beside the new one until then.' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ description: "A tenant's receiver of Plugboard's lifecycle events (Standard Webhooks signed)." });

export const EventEndpointWithSecret = EventEndpoint.extend({
  secret: z.string().meta({ description: 'The signing secret (`whsec_…`), shown once: verify deliveries with it.', example: 'whsec_…' }),
});

export const EventDelivery = z.object({
  id: z.string().meta({ example: 'dlv_01kx3d9w7q0000000000000000' }),
  eventId: z.string().meta({ description: 'Travels as the `webhook-id` header.' }),
  eventType: z.enum(TENANT_EVENT_TYPES),
  status: z.enum(EVENT_DELIVERY_STATUSES),
  attempts: z.number().int(),
  nextAttemptAt: nullableTimestamp,
  lastAttemptAt: nullableTimestamp,
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: nullableTimestamp,
  createdAt: timestamp,
});

export const DeliveryAttempt = z.object({
  id: z.string(),
  attemptedAt: timestamp,
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  responseExcerpt: z.string().nullable(),
  error: z.string().nullable(),
});

export const ReplayResult = z.object({
  requeued: z.number().int().meta({ description: 'Deliveries re-queued by this call.' }),
  more: z.boolean().meta({ description: 'The 10,000-per-call limit was reached: call again for the rest.' }),
  enabled: z.boolean().meta({ description: 'Whether the endpoint is enabled (a disabled one sends nothing until it is re-enabled).' }),
});

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().meta({ example: 'pbk_ab12' }),
  scope: z.enum(['full', 'read_only']).meta({ description: '`full` acts as an admin, `read_only` as a viewer.' }),
  createdAt: timestamp,
  lastUsedAt: nullableTimestamp,
  revokedAt: nullableTimestamp,
  current: z.boolean().meta({ description: 'The key making this request.' }),
});

export const ApiKeyCreated = ApiKey.extend({ apiKey: z.string().meta({ description: 'The key itself, shown once (only its hash is kept).' }) });

export const Me = z.object({
  tenantId: z.string(),
  name: z.string(),
  apiKeyId: z.string().nullable().meta({ description: 'Null for a user session.' }),
  scope: z.enum(['full', 'read_only']).nullable().meta({ description: "The API key's scope (a read_only key acts as a viewer); null for a user session." }),
});

export const WebhookEvent = z.object({
  id: z.string(),
  integrationId: z.string(),
  provider: z.string(),
  eventType: z.string().nullable(),
  deliveryId: z.string().nullable(),
  status: z.enum(WEBHOOK_EVENT_STATUSES),
  attempts: z.number().int(),
  lastAttemptAt: nullableTimestamp,
  processedAt: nullableTimestamp,
  errorMessage: z.string().nullable(),
  createdAt: timestamp,
});

export const WebhookEventDetail = WebhookEvent.extend({
  payload: z.unknown().meta({ description: 'The verified payload, values under secret-looking keys redacted.' }),
});

const rate = z.object({
  value: z.number().nullable().meta({ description: 'numerator ÷ denominator; null when the denominator is 0.' }),
  numerator: z.number(),
  denominator: z.number(),
  target: z.number().meta({ description: 'The target this rate is held to (0.9 = 90 %).' }),
  window: z.string().meta({ description: 'The window the rate covers.', example: '30d' }),
});

export const Stats = z
  .object({
    connectionSuccessRate: rate.meta({ description: 'Connect flows opened in the last 30 days that ended connected ÷ those that ended.' }),
    integrationUptime: rate
      .extend({
        unit: z.literal('seconds'),
        integrations: z.number().int().meta({ description: 'Integrations connected at some point in the window.' }),
      })
      .meta({ description: 'Seconds connected integrations were `active` ÷ seconds they were connected (`active` or `error`), over `window`.' }),
    webhookSuccessRate: rate.meta({
      description: 'Provider webhooks of the last 7 days processed ÷ those done (an event still being retried is not counted yet).',
    }),
  })
  .meta({ description: "The tenant's success metrics (GET /api/v1/stats)." });

export const Incident = z
  .object({
    incidentId: z.string().meta({ example: 'inc_01kx3d9w7q0000000000000000' }),
    provider: z.string(),
    status: z.enum(['open', 'resolved']),
    reason: z.string().meta({ description: 'The most common failure class.', example: 'invalid_grant, HTTP 400' }),
    failurePercent: z.number().int().meta({ description: 'The failure rate at the last evaluation, in percent.' }),
    peakFailurePercent: z.number().int(),
    startedAt: timestamp,
    resolvedAt: nullableTimestamp,
  })
  .meta({ description: 'A provider incident: many integrations of one provider failing at once.' });

export const Branding = z
  .object({
    displayName: z.string().meta({ description: 'Shown on the connect page; the tenant name unless set.' }),
    logoUrl: z.string().nullable(),
    accentColor: z.string().nullable().meta({ example: '#3355ff' }),
    tenantName: z.string(),
  })
  .meta({ description: 'How the connect page presents the tenant.' });

export const ProviderTemplateParam = z.object({
  name: z.string().meta({ example: 'shop' }),
  label: z.string(),
  description: z.string().optional(),
  pattern: z.string().optional().meta({ description: 'Anchored regular expression the value must match.' }),
  values: z.array(z.string()).optional().meta({ description: 'The only values allowed.' }),
  example: z.string().optional(),
});

export const Provider = z
  .object({
    key: z.string().meta({ example: 'github' }),
    name: z.string(),
    description: z.string(),
    color: z.string(),
    kind: z.enum(['built-in', 'custom']),
    pkce: z.enum(['S256', 'none']),
    defaultScopes: z.array(z.string()),
    operatorCredentials: z
      .boolean()
      .meta({ description: 'The operator (or the custom provider) supplies the OAuth app; otherwise set the integration’s clientId/clientSecret secrets.' }),
    webhookScheme: z.string().optional().meta({ description: 'How its webhooks are verified (see docs/webhooks.md).' }),
    redirectUri: z.string().optional().meta({ description: 'The redirect URI to register with the provider.' }),
    authMode: z.string().meta({ description: 'How a connection authenticates.', example: 'oauth2' }),
    credentialFields: z
      .array(z.object({ name: z.string(), label: z.string(), secret: z.boolean() }))
      .optional()
      .meta({ description: 'What `connect` takes as `credentials` (every auth mode but `oauth2`): names, form labels, and which are secret.' }),
    templateParams: z.array(ProviderTemplateParam).meta({ description: 'What `connect` needs as `params` (Shopify `shop`, Zendesk `subdomain`…).' }),
    docs: z.array(z.string()).meta({ description: "The provider's own documentation." }),
  })
  .meta({ description: 'A provider of the catalog (built-in) or one of the tenant’s own (custom).' });

export const CustomProviderCreated = z
  .object({
    key: z.string(),
    name: z.string(),
    kind: z.literal('custom'),
    issuer: z.string().nullable(),
    authorizationUrl: z.string(),
    tokenUrl: z.string(),
    revocationUrl: z.string().nullable(),
    scopes: z.array(z.string()),
    pkce: z.enum(['S256', 'none']),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']),
    issParameterSupported: z.boolean(),
    consentPrompt: z.boolean(),
    clientId: z.string().nullable(),
    clientSecretSet: z.boolean().meta({ description: 'Whether a client secret is stored (never the secret).' }),
    redirectUri: z.string().meta({ description: 'Register this redirect URI with the provider (one per custom provider).' }),
    callbackUrl: z.string().meta({ description: 'Older name of `redirectUri`.', deprecated: true }),
  })
  .meta({ description: 'A custom provider as created.' });

export const IntegrationLog = z.object({
  id: z.string(),
  kind: z.string().meta({ example: 'refresh' }),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  createdAt: timestamp,
});

const syncCounts = {
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  unchanged: z.number().int(),
  skipped: z.string().optional().meta({ description: 'Why the run did nothing (e.g. during a provider incident).' }),
};

export const SyncRun = z.object({ ...syncCounts, lastSync: nullableTimestamp }).meta({ description: 'The record counts of a sync run.' });

export const SyncStatus = z.object({
  lastSync: nullableTimestamp,
  schedule: z
    .object({ nextRunAt: nullableTimestamp, paused: z.boolean(), intervalMinutes: z.number().nullable() })
    .nullable()
    .meta({ description: 'The Temporal Schedule `sync:<integrationId>`; null when there is none.' }),
  records: z.array(z.object({ model: z.string(), live: z.number().int(), deleted: z.number().int() })),
});

export const SyncRecord = z.object({
  id: z.string().meta({ example: 'rec_01kx3d9w7q0000000000000000' }),
  model: z.string(),
  externalId: z.string(),
  data: z.record(z.string(), z.unknown()),
  updatedAt: nullableTimestamp.meta({ description: "The provider's own modification time, when it reports one." }),
  deletedAt: nullableTimestamp,
  changedAt: timestamp.meta({ description: 'When our copy last changed: `since` and the cursor follow it.' }),
});

/** The tenant event envelope every event endpoint receives (lib/events/types.ts). */
export const TenantEvent = z
  .object({ type: z.enum(TENANT_EVENT_TYPES), timestamp, data: z.record(z.string(), z.unknown()) })
  .meta({ description: 'Body of a delivery to an event endpoint; `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (Standard Webhooks).' });

/** Named in `components.schemas`, referenced by `$ref` wherever they appear. */
export const NAMED_RESPONSE_SCHEMAS = {
  ErrorEnvelope,
  Integration,
  IntegrationWithUptime,
  Token,
  ConnectStarted,
  DisconnectResult,
  RefreshResult,
  EventEndpoint,
  EventEndpointWithSecret,
  EventDelivery,
  DeliveryAttempt,
  ReplayResult,
  ApiKey,
  ApiKeyCreated,
  Me,
  WebhookEvent,
  WebhookEventDetail,
  TenantEvent,
  Stats,
  Incident,
  Branding,
  Provider,
  CustomProviderCreated,
  IntegrationLog,
  SyncRun,
  SyncStatus,
  SyncRecord,
} as const;
