import type Router from '@koa/router';
import { z } from 'zod';
import * as apiKeys from './routes/api/v1/api-keys/api-keys.ts';
import * as branding from './routes/api/v1/branding/branding.ts';
import * as deliveries from './routes/api/v1/event-endpoints/deliveries.ts';
import * as endpoints from './routes/api/v1/event-endpoints/endpoints.ts';
import * as incidents from './routes/api/v1/incidents/list.ts';
import * as connect from './routes/api/v1/integrations/connect.ts';
import * as createIntegration from './routes/api/v1/integrations/create.ts';
import * as getIntegration from './routes/api/v1/integrations/get.ts';
import * as listIntegrations from './routes/api/v1/integrations/list.ts';
import * as logs from './routes/api/v1/integrations/logs.ts';
import * as sync from './routes/api/v1/integrations/sync.ts';
import * as updateIntegration from './routes/api/v1/integrations/update.ts';
import * as createProvider from './routes/api/v1/providers/create.ts';
import * as stats from './routes/api/v1/stats/get.ts';
import * as webhookEvents from './routes/api/v1/webhook-events/list.ts';
import type { AppContext } from './context.ts';
import * as R from './openapi-schemas.ts';
import { TEAM_ERROR_CODES, TEAM_OPERATIONS } from './openapi-team.ts';
import { integrationId } from './validation.ts';

/**
 * The OpenAPI 3.1 document of /api/v1 (issue 15 item 3), generated at runtime from the router and the zod schemas
 * the routes validate with: the route modules export their `body`/`query` schemas and this file only names them.
 * The operations are the router's own (`router.stack`): `buildOpenApi` refuses a registered /api/v1 route that has
 * no entry here (test/openapi.test.ts), so the document cannot fall behind the router. Response shapes are in
 * api/openapi-schemas.ts. Served at GET /api/v1/openapi.json without authentication: it holds no tenant data.
 */

type Schema = z.ZodType;

interface ResponseSpec {
  status: number;
  description: string;
  /** The `data` of the `{ data }` envelope; `list: true` adds `nextCursor` (cursor-paged lists). */
  data?: Schema | keyof typeof R.NAMED_RESPONSE_SCHEMAS;
  array?: boolean;
  list?: boolean;
  /** A response that is not the JSON envelope (the proxy, the document itself). */
  raw?: { contentType: string; schema?: Record<string, unknown> };
  example?: unknown;
  /** Other success answers of the same operation (connect with `credentials`: 200 with the integration). */
  alternates?: Omit<ResponseSpec, 'alternates'>[];
}

export interface OperationSpec {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Path parameter schemas by name (`:id` → `{id}`). */
  params?: Record<string, Schema>;
  query?: z.ZodObject;
  /** The request body schema; named in components.schemas as `bodyName`. */
  body?: Schema;
  bodyName?: string;
  bodyExample?: unknown;
  response: ResponseSpec;
  /** Error codes this operation answers with beyond the common ones (401, and 400/404 where they apply). */
  errors?: Record<number, string>;
  /** Public: no API key. */
  public?: boolean;
}

const id = (prefix: string, what: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `not ${what} id`);
const intId = { id: integrationId };
/** Connect with `credentials` (every auth mode but the authorization-code grant): connected at once, no connect URL. */
const CONNECTED_WITH_CREDENTIALS = {
  status: 200,
  description: 'With `credentials` (API key, Basic, client credentials, GitHub App installation, JWT bearer): connected; the integration, `active`.',
  data: 'Integration',
} as const;
const endpointId = { id: id('wep', 'an event endpoint') };

/** Every /api/v1 operation, keyed `METHOD path` exactly as api/router.ts registers it. */
export const OPERATIONS: Record<string, OperationSpec> = {
  'GET /api/v1/openapi.json': {
    operationId: 'getOpenApi',
    tag: 'Meta',
    summary: 'This OpenAPI 3.1 document',
    description: 'Needs no API key: the document describes the API and holds no tenant data.',
    public: true,
    response: { status: 200, description: 'The OpenAPI document.', raw: { contentType: 'application/json', schema: { type: 'object' } } },
  },
  'GET /api/v1/me': {
    operationId: 'getMe',
    tag: 'Tenant',
    summary: 'The tenant and API key making the request',
    response: { status: 200, description: 'The tenant.', data: 'Me' },
  },
  'GET /api/v1/api-keys': {
    operationId: 'listApiKeys',
    tag: 'Tenant',
    summary: "The tenant's API keys, active and revoked",
    response: { status: 200, description: 'Oldest first; never a key or its hash.', data: 'ApiKey', array: true },
  },
  'POST /api/v1/api-keys': {
    operationId: 'createApiKey',
    tag: 'Tenant',
    summary: 'Create an API key',
    body: apiKeys.createBody,
    bodyName: 'CreateApiKeyRequest',
    bodyExample: { name: 'production backend' },
    response: { status: 201, description: 'The key, in `apiKey`, shown this once.', data: 'ApiKeyCreated' },
    errors: { 409: 'too_many_api_keys' },
  },
  'DELETE /api/v1/api-keys/:id': {
    operationId: 'revokeApiKey',
    tag: 'Tenant',
    summary: 'Revoke an API key',
    params: { id: id('key', 'an API key') },
    response: { status: 200, description: 'The revoked key.', data: 'ApiKey' },
    errors: { 409: 'last_api_key' },
  },
  'GET /api/v1/stats': {
    operationId: 'getStats',
    tag: 'Tenant',
    summary: 'Connection success rate, time-weighted integration uptime and webhook success rate',
    query: stats.query,
    response: { status: 200, description: 'Each rate as `{ value, numerator, denominator, target, window }`.', data: 'Stats' },
  },
  'GET /api/v1/incidents': {
    operationId: 'listIncidents',
    tag: 'Tenant',
    summary: 'Provider incidents concerning this tenant (open, and resolved in the last 7 days)',
    query: incidents.query,
    response: { status: 200, description: 'Newest first.', data: 'Incident', array: true },
  },
  'GET /api/v1/branding': {
    operationId: 'getBranding',
    tag: 'Tenant',
    summary: 'How the connect page presents this tenant',
    response: { status: 200, description: 'The branding.', data: 'Branding' },
  },
  'PATCH /api/v1/branding': {
    operationId: 'updateBranding',
    tag: 'Tenant',
    summary: 'Change the connect page branding',
    body: branding.body,
    bodyName: 'UpdateBrandingRequest',
    bodyExample: { displayName: 'Acme', accentColor: '#3355ff' },
    response: { status: 200, description: 'The branding.', data: 'Branding' },
  },
  'GET /api/v1/providers': {
    operationId: 'listProviders',
    tag: 'Providers',
    summary: 'The provider catalog, with the tenant’s own providers',
    response: { status: 200, description: 'Catalog entries, then the tenant’s custom providers.', data: 'Provider', array: true },
  },
  'POST /api/v1/providers': {
    operationId: 'createProvider',
    tag: 'Providers',
    summary: "Add the tenant's own OAuth 2.0 / OIDC provider",
    body: createProvider.body,
    bodyName: 'CreateProviderRequest',
    bodyExample: { key: 'acme-sso', name: 'Acme SSO', issuer: 'https://login.acme.example', clientId: 'plugboard', clientSecret: '…' },
    response: { status: 201, description: 'The provider, with the redirect URI to register.', data: 'CustomProviderCreated' },
    errors: { 409: 'provider_exists, issuer_taken', 422: 'discovery_failed' },
  },
  'GET /api/v1/integrations': {
    operationId: 'listIntegrations',
    tag: 'Integrations',
    summary: 'List integrations',
    query: listIntegrations.query,
    response: { status: 200, description: 'A page of integrations; pass `nextCursor` back as `cursor`.', data: 'Integration', list: true },
  },
  'POST /api/v1/integrations': {
    operationId: 'createIntegration',
    tag: 'Integrations',
    summary: 'Create an integration (then connect it)',
    body: createIntegration.body,
    bodyName: 'CreateIntegrationRequest',
    bodyExample: { provider: 'github', displayName: 'GitHub', settings: { forwardUrl: 'https://app.example.com/hooks/github' } },
    response: { status: 201, description: 'The integration, `pending` until connected.', data: 'Integration' },
    errors: { 409: 'integration_exists', 422: 'unknown_provider' },
  },
  'GET /api/v1/integrations/:id': {
    operationId: 'getIntegration',
    tag: 'Integrations',
    summary: 'Get an integration, with its time-weighted uptime',
    params: intId,
    query: getIntegration.query,
    response: { status: 200, description: 'The integration.', data: 'IntegrationWithUptime' },
  },
  'PATCH /api/v1/integrations/:id': {
    operationId: 'updateIntegration',
    tag: 'Integrations',
    summary: 'Change display name, settings or secrets (write-only)',
    params: intId,
    body: updateIntegration.body,
    bodyName: 'UpdateIntegrationRequest',
    bodyExample: { settings: { syncIntervalMinutes: 30 }, secrets: { clientSecret: '…' } },
    response: { status: 200, description: 'The integration.', data: 'Integration' },
  },
  'DELETE /api/v1/integrations/:id': {
    operationId: 'deleteIntegration',
    tag: 'Integrations',
    summary: 'Delete an integration (disconnects it first)',
    params: intId,
    response: { status: 204, description: 'Deleted.' },
  },
  'POST /api/v1/integrations/:id/connect': {
    operationId: 'connectIntegration',
    tag: 'Integrations',
    summary: 'Start connecting: a one-time connect URL for the person who authorizes',
    params: intId,
    body: connect.body,
    bodyName: 'ConnectRequest',
    bodyExample: { returnTo: '/settings/integrations' },
    response: {
      status: 201,
      description: 'The connect URL, valid 10 minutes.',
      data: 'ConnectStarted',
      example: { data: { connectUrl: 'https://plugboard.example.com/oauth/connect/abc…', expiresAt: '2026-12-02T13:10:00.000Z' } },
      alternates: [CONNECTED_WITH_CREDENTIALS],
    },
    errors: {
      400: 'invalid_provider_params, invalid_credentials, credentials_not_accepted, app_not_configured',
      409: 'provider_params_locked',
      422: 'missing_client_credentials, credentials_rejected',
      502: 'provider_unreachable',
      503: 'provider_unavailable',
    },
  },
  'POST /api/v1/integrations/:id/reconnect': {
    operationId: 'reconnectIntegration',
    tag: 'Integrations',
    summary: 'Reconnect (same as connect)',
    params: intId,
    body: connect.body,
    bodyName: 'ConnectRequest',
    response: { status: 201, description: 'The connect URL, valid 10 minutes.', data: 'ConnectStarted', alternates: [CONNECTED_WITH_CREDENTIALS] },
  },
  'POST /api/v1/integrations/:id/refresh': {
    operationId: 'refreshIntegration',
    tag: 'Integrations',
    summary: 'Refresh the token now',
    params: intId,
    response: { status: 200, description: 'The outcome.', data: 'RefreshResult' },
    errors: { 409: 'not_connected, refresh_failed' },
  },
  'POST /api/v1/integrations/:id/disconnect': {
    operationId: 'disconnectIntegration',
    tag: 'Integrations',
    summary: 'Revoke at the provider and clear the tokens',
    params: intId,
    response: { status: 200, description: 'Local state is cleared even when the provider’s revocation fails.', data: 'DisconnectResult' },
  },
  'GET /api/v1/integrations/:id/token': {
    operationId: 'getToken',
    tag: 'Tokens and proxy',
    summary: "The integration's fresh access token",
    description: 'The only response that carries a provider token (`Cache-Control: no-store`). A token due for refresh is refreshed first.',
    params: intId,
    response: {
      status: 200,
      description: 'The access token.',
      data: 'Token',
      example: { data: { accessToken: 'gho_…', tokenType: 'Bearer', expiresAt: '2026-12-02T13:00:00.000Z' } },
    },
    errors: { 409: 'not_connected, refresh_failed' },
  },
  'ALL /api/v1/integrations/:id/proxy{/*path}': {
    operationId: 'proxy',
    tag: 'Tokens and proxy',
    summary: "Call the provider's API with the integration's token",
    description:
      "Any method. `{path}` (which may contain `/`) and the query string are appended to the provider's API base URL; the body and headers " +
      "stream through (Authorization and cookies are not forwarded). A 401 refreshes once and retries once; 429 passes through with Retry-After. The response is the provider's.",
    params: { id: integrationId, path: z.string().meta({ description: "Path under the provider's API base, e.g. `user/repos` (may contain `/`)." }) },
    response: { status: 200, description: "The provider's response, status and body as it sent them.", raw: { contentType: '*/*' } },
    errors: { 400: 'invalid_proxy_path', 409: 'not_connected, invalid_stored_credentials', 422: 'no_api_base, url_not_allowed', 502: 'provider_unreachable' },
  },
  'GET /api/v1/integrations/:id/logs': {
    operationId: 'listIntegrationLogs',
    tag: 'Integrations',
    summary: "The integration's activity log",
    params: intId,
    query: logs.query,
    response: { status: 200, description: 'Newest first.', data: 'IntegrationLog', list: true },
  },
  'POST /api/v1/integrations/:id/test-event': {
    operationId: 'sendTestEvent',
    tag: 'Webhook events',
    summary: 'Send a signed test webhook through the pipeline (sandbox only)',
    params: intId,
    response: { status: 202, description: 'Accepted.', data: z.object({ eventId: z.string() }) },
    errors: { 422: 'not_sandbox', 502: 'test_event_failed' },
  },
  'POST /api/v1/integrations/:id/forwarding-secret': {
    operationId: 'rotateForwardingSecret',
    tag: 'Webhook events',
    summary: 'Rotate the secret that signs forwarded provider webhooks',
    params: intId,
    response: { status: 201, description: 'The new secret, shown once.', data: z.object({ forwardSecret: z.string() }) },
  },
  'POST /api/v1/integrations/:id/webhook-verification': {
    operationId: 'revealWebhookVerification',
    tag: 'Webhook events',
    summary: 'Reveal a provider’s webhook verification token once (Notion)',
    params: intId,
    response: { status: 200, description: 'The token.', data: z.object({ verificationToken: z.string() }) },
    errors: { 404: 'no_pending_verification' },
  },
  'POST /api/v1/integrations/:id/sync': {
    operationId: 'syncNow',
    tag: 'Sync',
    summary: 'Run a sync now',
    params: intId,
    response: { status: 200, description: 'Record counts of the run and `lastSync`.', data: 'SyncRun' },
    errors: { 409: 'not_connected', 422: 'sync_not_supported' },
  },
  'GET /api/v1/integrations/:id/sync-status': {
    operationId: 'syncStatus',
    tag: 'Sync',
    summary: 'Sync schedule, last sync and record counts',
    params: intId,
    response: { status: 200, description: 'The status.', data: 'SyncStatus' },
  },
  'GET /api/v1/integrations/:id/records': {
    operationId: 'listRecords',
    tag: 'Sync',
    summary: 'Synced records, by model, changed since a time',
    params: intId,
    query: sync.recordsQuery,
    response: { status: 200, description: 'A page of records, in change order.', data: 'SyncRecord', list: true },
  },
  'GET /api/v1/webhook-events': {
    operationId: 'listWebhookEvents',
    tag: 'Webhook events',
    summary: 'Provider webhooks received',
    query: webhookEvents.query,
    response: { status: 200, description: 'Newest first.', data: 'WebhookEvent', list: true },
  },
  'GET /api/v1/webhook-events/:id': {
    operationId: 'getWebhookEvent',
    tag: 'Webhook events',
    summary: 'A provider webhook with its payload (secrets redacted)',
    params: { id: id('evt', 'a webhook event') },
    response: { status: 200, description: 'The event.', data: 'WebhookEventDetail' },
  },
  'POST /api/v1/webhook-events/:id/retry': {
    operationId: 'retryWebhookEvent',
    tag: 'Webhook events',
    summary: 'Process a failed provider webhook again',
    params: { id: id('evt', 'a webhook event') },
    response: { status: 202, description: 'Queued.', data: 'WebhookEvent' },
    errors: { 409: 'already_processed' },
  },
  'GET /api/v1/event-types': {
    operationId: 'listEventTypes',
    tag: 'Event endpoints',
    summary: 'The lifecycle event types an endpoint can subscribe to',
    response: { status: 200, description: 'Event type names.', data: R.TenantEvent.shape.type, array: true },
  },
  'GET /api/v1/event-endpoints': {
    operationId: 'listEventEndpoints',
    tag: 'Event endpoints',
    summary: 'List event endpoints',
    response: { status: 200, description: 'The endpoints (never their secrets).', data: 'EventEndpoint', array: true },
  },
  'POST /api/v1/event-endpoints': {
    operationId: 'createEventEndpoint',
    tag: 'Event endpoints',
    summary: 'Create an event endpoint',
    body: endpoints.createBody,
    bodyName: 'CreateEventEndpointRequest',
    bodyExample: { url: 'https://app.example.com/plugboard-events', eventTypes: ['integration.connected', 'integration.disconnected'] },
    response: { status: 201, description: 'The endpoint with its signing secret, shown once.', data: 'EventEndpointWithSecret' },
    errors: { 409: 'too_many_endpoints' },
  },
  'GET /api/v1/event-endpoints/:id': {
    operationId: 'getEventEndpoint',
    tag: 'Event endpoints',
    summary: 'Get an event endpoint',
    params: endpointId,
    response: { status: 200, description: 'The endpoint.', data: 'EventEndpoint' },
  },
  'PATCH /api/v1/event-endpoints/:id': {
    operationId: 'updateEventEndpoint',
    tag: 'Event endpoints',
    summary: 'Change an event endpoint (`enabled: true` re-enables a disabled one)',
    params: endpointId,
    body: endpoints.updateBody,
    bodyName: 'UpdateEventEndpointRequest',
    bodyExample: { enabled: true },
    response: { status: 200, description: 'The endpoint.', data: 'EventEndpoint' },
  },
  'DELETE /api/v1/event-endpoints/:id': {
    operationId: 'deleteEventEndpoint',
    tag: 'Event endpoints',
    summary: 'Delete an event endpoint with its deliveries',
    params: endpointId,
    response: { status: 204, description: 'Deleted.' },
  },
  'POST /api/v1/event-endpoints/:id/rotate-secret': {
    operationId: 'rotateEventEndpointSecret',
    tag: 'Event endpoints',
    summary: 'Rotate the signing secret (the previous one signs beside it for 24 h)',
    params: endpointId,
    response: { status: 201, description: 'The endpoint with its new secret, shown once.', data: 'EventEndpointWithSecret' },
  },
  'GET /api/v1/event-endpoints/:id/deliveries': {
    operationId: 'listEventDeliveries',
    tag: 'Event endpoints',
    summary: "The endpoint's deliveries",
    params: endpointId,
    query: deliveries.deliveriesQuery,
    response: { status: 200, description: 'Newest first.', data: 'EventDelivery', list: true },
  },
  'GET /api/v1/event-endpoints/:id/deliveries/:deliveryId': {
    operationId: 'getEventDelivery',
    tag: 'Event endpoints',
    summary: 'One delivery',
    params: { ...endpointId, deliveryId: id('dlv', 'a delivery') },
    response: { status: 200, description: 'The delivery.', data: 'EventDelivery' },
  },
  'GET /api/v1/event-endpoints/:id/deliveries/:deliveryId/attempts': {
    operationId: 'listDeliveryAttempts',
    tag: 'Event endpoints',
    summary: "A delivery's attempts",
    params: { ...endpointId, deliveryId: id('dlv', 'a delivery') },
    query: deliveries.attemptsQuery,
    response: { status: 200, description: 'Oldest first.', data: 'DeliveryAttempt', list: true },
  },
  'POST /api/v1/event-endpoints/:id/replay': {
    operationId: 'replayEventDeliveries',
    tag: 'Event endpoints',
    summary: "Re-queue the endpoint's deliveries since a time (failed ones only with `onlyFailed`)",
    params: endpointId,
    body: deliveries.replayBody,
    bodyName: 'ReplayRequest',
    bodyExample: { since: '2026-12-01T00:00:00Z', onlyFailed: true },
    response: { status: 202, description: 'How many were re-queued.', data: 'ReplayResult' },
  },
  ...TEAM_OPERATIONS,
};

/**
 * Every error code the API answers with (thrown as AppError in api/, lib/, db/, providers/ or mapped by
 * api/middleware/errors.ts). test/openapi.test.ts fails when the code throws one that is not listed.
 */
export const ERROR_CODES: Record<string, string> = {
  validation_failed: '400 — the body or query failed validation; `details` lists each field.',
  invalid_json: '400 — the body is not JSON.',
  invalid_body: '400 — the body could not be read.',
  bad_request: '400 — another malformed request.',
  invalid_provider_params: '400 — connect parameters the provider does not take.',
  invalid_proxy_path: '400 — a proxy path that leaves the provider’s API base.',
  app_not_configured: '400 — a GitHub App installation connects only with the integration’s own App id and private key (secrets.appId, secrets.privateKey).',
  credentials_not_accepted:
    '400 — credentials sent to connect an integration whose provider connects through its authorization page: omit them and open the connect URL.',
  unauthorized: '401 — missing, malformed or revoked API key.',
  forbidden: '403',
  not_found: '404 — no such resource for this tenant (another tenant’s ids are 404 too), or no such route.',
  no_pending_verification: '404 — no webhook verification token waits to be revealed.',
  method_not_allowed: '405 — see the Allow header.',
  conflict: '409',
  integration_exists: '409 — the tenant already has an integration of this provider.',
  not_connected: '409 — the integration is not active; connect it first.',
  refresh_failed: '409 — the token could not be refreshed.',
  invalid_stored_credentials: '409 — the stored credential cannot be sent in an HTTP header (a control character); connect again.',
  provider_params_locked: '409 — connected with other provider parameters; disconnect first.',
  provider_exists: '409 — a provider with this key exists.',
  issuer_taken: '409 — another provider of the tenant has this issuer.',
  too_many_endpoints: '409 — at most 20 event endpoints per tenant.',
  too_many_api_keys: '409 — the tenant has the most API keys allowed.',
  last_api_key: '409 — the last active key cannot be revoked.',
  already_processed: '409 — the webhook event was processed; nothing to retry.',
  payload_too_large: '413',
  unsupported_media_type: '415 — send `Content-Type: application/json`.',
  unprocessable_entity: '422',
  missing_client_credentials: '422 — no OAuth app is configured for the provider (server env, or the integration’s clientId/clientSecret secrets).',
  unknown_provider: '422 — no provider with this key (GET /api/v1/providers lists them).',
  credentials_rejected: '422 — the provider refused the credentials given to connect (API key, Basic, client credentials…).',
  url_not_allowed: '422 (400 on event endpoints) — a URL the outbound guard refuses.',
  no_api_base: '422 — the provider has no API base URL to proxy to.',
  not_sandbox: '422 — test events are for sandbox integrations.',
  sync_not_supported: '422 — the provider has no sync.',
  discovery_failed: '422 — the issuer’s OpenID/OAuth metadata could not be read or does not match.',
  rate_limited: '429 — slow down; see Retry-After.',
  internal_error: '500 — logged with the request id.',
  not_implemented: '501',
  provider_unreachable: '502 — the provider did not answer.',
  test_event_failed: '502 — the test event could not be sent.',
  unavailable: '503',
  temporal_unavailable: '503 — the workflow engine is unavailable; retry in a moment.',
  provider_unavailable: '503 — the provider answered 5xx (or 429) while checking or exchanging the credentials given to connect; retry later.',
  ...TEAM_ERROR_CODES,
};

export interface RouteEntry {
  method: string;
  /** As registered (`/api/v1/integrations/:id`). */
  path: string;
  key: string;
}

/** The /api/v1 routes registered on `router` (and the routers mounted in it): method + path, HEAD left out. */
export function registeredRoutes(router: Router<any, any>): RouteEntry[] {
  const out = new Map<string, RouteEntry>();
  for (const layer of router.stack) {
    const path = String(layer.path);
    if (!path.startsWith('/api/v1/') || layer.methods.length === 0) continue;
    const methods = layer.methods.filter((m) => m !== 'HEAD');
    // router.all() registers every method; it is one operation family.
    const all = methods.length > 8;
    for (const method of all ? ['ALL'] : methods) out.set(`${method} ${path}`, { method, path, key: `${method} ${path}` });
  }
  return [...out.values()];
}

/** `/integrations/:id/proxy{/*path}` → `/integrations/{id}/proxy/{path}` */
function openApiPath(path: string): string {
  return path.replace(/\{\/\*(\w+)\}/g, '/{$1}').replace(/:(\w+)/g, '{$1}');
}

const JSON_SCHEMA_OPTIONS = { target: 'draft-2020-12', unrepresentable: 'any' } as const;

function strip(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function inlineSchema(schema: Schema): Record<string, unknown> {
  return strip(z.toJSONSchema(schema, { ...JSON_SCHEMA_OPTIONS, io: 'input' }) as Record<string, unknown>);
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string, example?: { code: string; message: string; details?: unknown[] }) => ({
  description,
  content: {
    'application/json': {
      schema: ref('ErrorEnvelope'),
      ...(example ? { example: { error: { ...example, requestId: '5f0c6b1e-8d2a-4c1e-9a7b-3d2f1e0c9b8a' } } } : {}),
    },
  },
});

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  servers: { url: string }[];
  tags: { name: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any>; securitySchemes: Record<string, unknown>; responses: Record<string, unknown> };
}

/**
 * The document for the routes registered on `router`. Throws when a registered /api/v1 route has no entry in
 * OPERATIONS (or an entry names a route that is not registered): the test and the served document agree.
 */
export function buildOpenApi(router: Router<any, any>, options: { serverUrl?: string; version?: string } = {}): OpenApiDocument {
  const routes = registeredRoutes(router);
  const missing = routes.filter((r) => !OPERATIONS[r.key]).map((r) => r.key);
  if (missing.length) throw new Error(`OpenAPI: routes with no entry in api/openapi.ts OPERATIONS: ${missing.join(', ')}`);
  const registered = new Set(routes.map((r) => r.key));
  const stale = Object.keys(OPERATIONS).filter((k) => !registered.has(k));
  if (stale.length) throw new Error(`OpenAPI: OPERATIONS entries for routes the router does not register: ${stale.join(', ')}`);

  // Named schemas: the main response shapes and every request body, converted together so they $ref each other.
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(R.NAMED_RESPONSE_SCHEMAS)) registry.add(schema, { id: name });
  const bodyNames = new Map<Schema, string>();
  for (const op of Object.values(OPERATIONS)) {
    if (!op.body || !op.bodyName || bodyNames.has(op.body)) continue;
    bodyNames.set(op.body, op.bodyName);
    registry.add(op.body, { id: op.bodyName });
  }
  const converted = z.toJSONSchema(registry, { ...JSON_SCHEMA_OPTIONS, io: 'input', uri: (name) => `#/components/schemas/${name}` }).schemas;
  const schemas = Object.fromEntries(Object.entries(converted).map(([name, s]) => [name, strip(s as Record<string, unknown>)]));
  // A response schema used inline (not named) may still contain named ones: convert with the registry as metadata.
  const dataSchema = (data: NonNullable<ResponseSpec['data']>): Record<string, unknown> => {
    if (typeof data === 'string') return ref(data);
    const named = registry.get(data);
    if (named) return ref(named.id);
    return inlineSchema(data);
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes.sort((a, b) => a.path.localeCompare(b.path))) {
    const op = OPERATIONS[route.key]!;
    const path = openApiPath(route.path);
    const parameters: Record<string, unknown>[] = [];
    for (const [name, schema] of Object.entries(op.params ?? {})) {
      const s = inlineSchema(schema);
      parameters.push({ name, in: 'path', required: true, schema: s, ...(s.description ? { description: s.description } : {}) });
    }
    if (op.query) {
      const q = inlineSchema(op.query) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {})) {
        parameters.push({
          name,
          in: 'query',
          required: q.required?.includes(name) ?? false,
          schema: s,
          ...(s.description ? { description: s.description } : {}),
        });
      }
    }
    const responseOf = (r: ResponseSpec) => {
      let content: Record<string, unknown> | undefined;
      if (r.raw) content = { [r.raw.contentType]: { schema: r.raw.schema ?? {} } };
      else if (r.data) {
        const item = dataSchema(r.data);
        const data = r.array || r.list ? { type: 'array', items: item } : item;
        const properties: Record<string, unknown> = { data };
        if (r.list) properties.nextCursor = { type: ['string', 'null'], description: 'Pass back as `cursor` for the next page; null on the last.' };
        content = {
          'application/json': {
            schema: { type: 'object', properties, required: Object.keys(properties) },
            ...(r.example !== undefined ? { example: r.example } : {}),
          },
        };
      }
      return { description: r.description, ...(content ? { content } : {}) };
    };
    const responses: Record<string, unknown> = {};
    for (const r of [op.response, ...(op.response.alternates ?? [])]) responses[String(r.status)] = responseOf(r);
    if (op.query || op.body) responses['400'] = { $ref: '#/components/responses/ValidationFailed' };
    if (!op.public) responses['401'] = { $ref: '#/components/responses/Unauthorized' };
    if (op.params) responses['404'] = { $ref: '#/components/responses/NotFound' };
    for (const [status, codes] of Object.entries(op.errors ?? {})) {
      const common = status === '400' && responses['400'] ? '`validation_failed` (with `details`), `invalid_json`, ' : '';
      responses[status] = errorResponse(`Error codes: ${common}${codes}.`);
    }
    responses.default = errorResponse('Any other error, in the error envelope.');

    const operation: Record<string, unknown> = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref(bodyNames.get(op.body)!), ...(op.bodyExample !== undefined ? { example: op.bodyExample } : {}) } },
            },
          }
        : {}),
      responses,
      ...(op.public ? { security: [] } : {}),
    };
    const item = (paths[path] ??= {});
    if (route.method === 'ALL') {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const perMethod: Record<string, unknown> = { ...operation, operationId: `${op.operationId}${method[0]!.toUpperCase()}${method.slice(1)}` };
        if (method === 'get' || method === 'delete') delete perMethod.requestBody;
        else perMethod.requestBody = { required: false, content: { '*/*': { schema: {} } }, description: 'Passed through to the provider.' };
        item[method] = perMethod;
      }
    } else item[route.method.toLowerCase()] = operation;
  }

  const codes = Object.entries(ERROR_CODES)
    .map(([code, meaning]) => `| \`${code}\` | ${meaning} |`)
    .join('\n');
  return {
    openapi: '3.1.1',
    info: {
      title: 'Plugboard API',
      version: options.version ?? '1',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description:
        'The Plugboard REST API. Authenticate with an API key (`Authorization: Bearer pbk_…`), created in the dashboard or with ' +
        '`npm run plugboard -- apikey create <tenantId>`, or with a user session (`Bearer pbs_…` and `X-Plugboard-Tenant: ten_…`). Successful responses are `{ "data": … }` (lists add `nextCursor`); errors are ' +
        '`{ "error": { "code", "message", "details?", "requestId" } }`. This document is generated from the zod schemas that validate ' +
        'requests (api/openapi.ts).\n\nError codes:\n\n| code | status and meaning |\n| --- | --- |\n' +
        codes,
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags: [...new Set(Object.values(OPERATIONS).map((o) => o.tag))].map((name) => ({ name })),
    security: [{ apiKey: [] }, { session: [], tenant: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'Plugboard API key (pbk_…)', description: 'A tenant API key: `Authorization: Bearer pbk_…`.' },
        session: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'Plugboard user session (pbs_…)',
          description: 'A dashboard user session (`POST /api/v1/auth/login` or single sign-on): `Authorization: Bearer pbs_…`, with `X-Plugboard-Tenant`.',
        },
        tenant: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Plugboard-Tenant',
          description: 'With a user session: the tenant (`ten_…`) the request acts on; the person’s role there decides what is allowed.',
        },
      },
      responses: {
        ValidationFailed: errorResponse('`validation_failed` (with `details`), `invalid_json` or another 400.', {
          code: 'validation_failed',
          message: 'provider: lower-case letters, digits and dashes, 2-40 characters',
          details: [{ path: 'provider', message: 'lower-case letters, digits and dashes, 2-40 characters', code: 'invalid_format' }],
        }),
        Unauthorized: errorResponse('`unauthorized`: missing, malformed or revoked API key.', {
          code: 'unauthorized',
          message: 'The API key is invalid or has been revoked.',
        }),
        NotFound: errorResponse('`not_found`: no such resource for this tenant (a malformed id is a 404 too).', {
          code: 'not_found',
          message: 'Integration not found',
        }),
      },
    },
  };
}

/** GET /api/v1/openapi.json — built once, from the router it is registered on (after every route is). */
export function openApiRoute(router: Router<any, any>) {
  let body: string | undefined;
  return async (ctx: AppContext): Promise<void> => {
    body ??= JSON.stringify(buildOpenApi(router, { serverUrl: ctx.deps.env.PUBLIC_URL }));
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.type = 'application/json';
    ctx.body = body;
  };
}
