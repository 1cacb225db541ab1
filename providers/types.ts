/**
 * The provider catalog's contract (docs/conventions.md §14): one declarative file per provider.
 * Only `lib/` and types may be imported from here (no db, no Koa).
 */

export type PkceMethod = 'S256' | 'none';
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';
import type { WebhookSchemeName } from '../lib/webhooks/schemes/index.ts';
import type { NonOAuth2Auth } from './catalog/schema.ts';
import type { ApiAuthHeader, ConnectMetadataItem } from './catalog/connect-metadata.ts';

/** A webhook scheme: one module each in lib/webhooks/schemes/ (verification, routing, handshakes, event meanings). */
export type WebhookScheme = WebhookSchemeName;

/** Where in a token response the provider-side account identity sits (REQ-9: record it). */
export interface AccountIdentity {
  /** Dotted paths into the token response, first present one wins (e.g. `team.id`, `enterprise.id`). */
  tokenResponsePaths?: string[];
  /** Claim of the ID token, when the provider is OIDC (e.g. `email`, `sub`). */
  idTokenClaim?: string;
  /** Dotted path into the userinfo response (`userinfoUrl`), e.g. GitHub `id`. */
  userinfoPath?: string;
}

export interface RefreshPolicy {
  /** Whether the provider issues refresh tokens at all (GitHub OAuth Apps do not). */
  supported: boolean;
  /** The provider replaces the refresh token on every use (REQ-11). */
  rotatesRefreshToken: boolean;
  /** Refresh when remaining lifetime ≤ min(maxLeadSeconds, leadFraction × lifetime) (docs/architecture.md). */
  leadFraction?: number;
  maxLeadSeconds?: number;
  /** Lifetime assumed when the token response has no `expires_in` (Salesforce, Notion). */
  defaultLifetimeSeconds?: number;
  /**
   * How long a newly issued refresh token works, only where the provider's documentation states a fixed lifetime
   * (cite it beside the value); a `refresh_token_expires_in` in the response wins (lib/oauth/tokens.ts).
   */
  refreshTokenLifetimeSeconds?: number;
}

export interface RevocationPolicy {
  /** `rfc7009`: POST form `token` + `token_type_hint`; `none`: the provider has no revocation endpoint. */
  style: 'rfc7009' | 'slack-auth-revoke' | 'github-app-token' | 'notion-json' | 'bearer-post' | 'none';
  url?: string;
  /** Which token to revoke: the refresh token revokes the grant at most providers. */
  token: 'refresh_token' | 'access_token';
  /** HTTP statuses (besides 200) that mean "already invalid": Salesforce answers 400 invalid_token. */
  alreadyInvalidStatuses?: number[];
}

export interface WebhookConfig {
  scheme: WebhookScheme;
  /** Largest body accepted; 413 beyond it (GitHub sends up to 25 MB). */
  maxBodyBytes: number;
  /**
   * The app as the provider's webhooks name it, read once at connect: Slack's `app_id`, a GitHub App's id and
   * installation. Without it, an integration's app is the OAuth client id it connected with.
   */
  appIdentity?(ctx: { tokenResponse: Readonly<Record<string, unknown>>; accountId: string | null; api: ProviderApi }): Promise<AppIdentity>;
}

/** Who sends an integration's app-level webhooks (stored at connect; app-level deliveries are routed by it). */
export interface AppIdentity {
  appId?: string;
  installationId?: string;
}

/** One record change reported by a provider's sync hook. */
export interface SyncChange {
  model: string;
  externalId: string;
  data: Record<string, unknown>;
  /** The provider's modification time (ISO), when it has one. */
  updatedAt?: string;
  deleted?: boolean;
}

export class ProviderHttpError extends Error {
  readonly status: number;
  readonly retryAfterSeconds?: number;
  constructor(status: number, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'ProviderHttpError';
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Authorized JSON requests against the provider API base URL; non-2xx throws ProviderHttpError. */
export interface ProviderApi {
  request<T = unknown>(path: string, init?: { method?: string; query?: Record<string, string | undefined>; body?: unknown }): Promise<T>;
}

export interface SyncContext extends ProviderApi {
  /** Cursors from the previous run (null on the first run). */
  state: Record<string, unknown> | null;
}

export interface SyncResult {
  changes: SyncChange[];
  /** Cursors for the next run. */
  state: Record<string, unknown>;
  /** The changes are a full listing of these models: records not in it are deleted. */
  fullModels: string[];
}

/** Incremental sync with a stored cursor; a stale cursor falls back to a full listing. */
export interface SyncHook {
  models: string[];
  run(ctx: SyncContext): Promise<SyncResult>;
}

/** A provider-side push subscription (Calendar channel, Gmail watch, Graph subscription) as Plugboard stores it: no secret in it. */
export interface PushChannel {
  /** Our channel id (Calendar) or Graph's subscription id; Gmail watches have none. */
  id?: string;
  /** The provider's id of the watched resource (Calendar `resourceId`). */
  resourceId?: string;
  /** When the provider stops delivering (epoch ms). */
  expiresAt: number;
  /** SHA-256 of the token we chose (Calendar channel token, Graph clientState): notifications are compared with it (C.5, C.8). */
  tokenHash?: string;
}

/** `settings.push` of an integration: the live subscription and its state, written only by the push activities. */
export interface PushState {
  channel?: PushChannel;
  /** When the connection workflow renews it (or, after an error, tries again); epoch ms. */
  renewAt?: number | null;
  subscribedAt?: string;
  error?: string | null;
  /** Consecutive failed subscribe attempts (the retry delay doubles with each). */
  failures?: number;
}

export function pushStateOf(settings: Record<string, unknown>): PushState {
  return (settings.push ?? {}) as PushState;
}

export interface PushSetup {
  /** Where the provider delivers: this integration's webhook URL. */
  address: string;
  /** A fresh unique channel id (UUID). */
  channelId: string;
  /** A fresh random channel token (256 bits), echoed by the provider on each notification. */
  token: string;
  /** Operator settings of this provider: `PLUGBOARD_<KEY>_<SUFFIX>`. */
  setting(suffix: string): string | undefined;
}

/**
 * Push notifications that must be subscribed per connection and renewed before they expire (Google Calendar
 * channels, Gmail `users.watch`, Microsoft Graph subscriptions). The connection workflow creates one after connecting, replaces it before
 * `expiresAt`, and stops it on disconnect.
 */
export interface PushSubscriptionHook {
  /** Why push is not available with this operator configuration (e.g. no Pub/Sub topic), or undefined. */
  unavailable?(setting: PushSetup['setting']): string | undefined;
  subscribe(api: ProviderApi, setup: PushSetup): Promise<PushChannel>;
  unsubscribe(api: ProviderApi, channel: PushChannel): Promise<void>;
  /** When to replace a channel that expires at `expiresAt`, subscribed at `now`. */
  renewAt(channel: PushChannel, now: number): number;
}

/**
 * A value a connection supplies for a provider whose host is per account (`{shop}` in
 * `https://{shop}.myshopify.com/…`): given to `POST /api/v1/integrations/:id/connect` as `params`, stored on the
 * integration (`settings.providerParams`, not secret), and substituted into every endpoint (providers/catalog/templates.ts).
 */
export interface TemplateParam {
  name: string;
  label: string;
  description?: string;
  /** Anchored regular expression the value must match (host labels only: never '.', '/', '@', ':'). */
  pattern?: string;
  /** The only values allowed (a region's domain suffix such as `com.au`); a dot is allowed only here. */
  values?: string[];
  example?: string;
}

/** The auth modes a catalog entry can have (providers/catalog/schema.ts; docs/architecture.md "Auth modes"). */
export type AuthMode = 'oauth2' | 'api_key' | 'basic' | 'oauth2_client_credentials' | 'github_app' | 'jwt_bearer';

/** The data of a mode other than the authorization-code grant, as the catalog schema validated it. */
export type ModeAuth = NonOAuth2Auth;

/** The auth mode of a definition: `auth.mode`, or `oauth2` when the definition has no `auth`. */
export function authModeOf(def: Pick<ProviderDefinition, 'auth'>): AuthMode {
  return def.auth?.mode ?? 'oauth2';
}

export interface ProviderDefinition {
  key: string;
  name: string;
  /**
   * A mode other than the authorization-code grant (API key, Basic, client credentials, GitHub App, JWT bearer);
   * absent for `oauth2`. With it, the OAuth fields below are inert (empty authorization URL, no refresh token).
   */
  auth?: ModeAuth;
  /** The provider's own documentation for the facts in this definition (required for built-ins). */
  docs?: string[];
  /** Values each connection supplies for `{placeholders}` in the endpoints. */
  templateParams?: TemplateParam[];
  /** Extra parameters of the code exchange (Shopify `expiring=1`). */
  tokenParams?: Record<string, string>;
  /** Short description for the catalog UI. */
  description: string;
  /** Brand colour for the dashboard icon. */
  color: string;
  issuer?: string;
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl?: string;
  /** JWKS of an OIDC issuer, to verify ID tokens. */
  jwksUri?: string;
  /** Base URL for API calls through the proxy and sync hooks. */
  apiBaseUrl?: string;
  /**
   * The fetch for every request to this provider's endpoints. A custom provider's (URLs a tenant set) is the outbound
   * guard's (lib/net-guard.ts); built-in endpoints are operator configuration and use the global fetch.
   */
  fetch?: typeof fetch;
  /** Headers every API call needs (Notion-Version), added by sync and by the proxy unless the caller sets them. */
  apiHeaders?: Record<string, string>;
  /** The header the proxy presents the access token in, when not `Authorization: Bearer` (providers/catalog/connect-metadata.ts). */
  apiAuthHeader?: ApiAuthHeader;
  /** Non-secret values read at connect into `settings.providerMetadata` (QuickBooks realmId, Xero tenant, Mailchimp dc). */
  connectMetadata?: ConnectMetadataItem[];
  /** The API base once connectMetadata values are known (`https://{dc}.api.mailchimp.com/3.0`); else `apiBaseUrl`. */
  accountApiBaseUrl?: string;
  defaultScopes: string[];
  scopeSeparator: ' ' | ',';
  /** Extra fixed authorization parameters (e.g. Google `access_type=offline`). */
  authorizationParams?: Record<string, string>;
  /**
   * The authorization parameter that makes the provider show its consent screen even for an app the person
   * already authorised (OIDC `prompt=consent`), where the provider documents one: without it, a connect link
   * opened by someone already signed in could hand over their account without a question.
   */
  consentPrompt?: { param: string; value: string };
  /** Where the authorization response returns, relative to PUBLIC_URL; default `/oauth/callback/<key>` (REQ-5: one path per issuer). */
  callbackPath?: string;
  pkce: PkceMethod;
  clientAuth: ClientAuthMethod;
  /** How the client authenticates on a refresh, when the provider documents another way than for the code (Keap). */
  refreshClientAuth?: ClientAuthMethod;
  tokenRequestBody: 'form' | 'json';
  /** Headers every token-endpoint request needs (GitHub `Accept: application/json`, Notion-Version). */
  tokenRequestHeaders?: Record<string, string>;
  /** Token responses report errors with HTTP 200 (`ok:false` for Slack, `error` for GitHub). */
  errorsWithHttp200?: 'slack-ok-false' | 'error-field';
  /** The token response nests the user token (Slack `authed_user`). */
  alternateTokenPath?: string;
  /** The scheme the userinfo request presents the access token with (default `Bearer`; Mailchimp's metadata: `OAuth`). */
  userinfoAuthScheme?: 'Bearer' | 'OAuth';
  /** Token response fields to keep as non-secret metadata (Salesforce `instance_url`, Atlassian `cloudId`…). */
  metadataFields?: string[];
  /** The AS sends `iss` in authorization responses (RFC 9207); then it is mandatory. */
  issParameterSupported?: boolean;
  account: AccountIdentity;
  refresh: RefreshPolicy;
  revocation: RevocationPolicy;
  webhook?: WebhookConfig;
  /** Where to register the app and which redirect URI to enter, for the README and dashboard. */
  setupUrl?: string;
  /** Periodic incremental sync (issue "Sync and proxy"). */
  sync?: SyncHook;
  /** Push subscriptions that must be created and renewed per connection. */
  push?: PushSubscriptionHook;
}

export interface CatalogEntry {
  key: string;
  name: string;
  description: string;
  color: string;
  kind: 'built-in' | 'custom';
  pkce: PkceMethod;
  defaultScopes: string[];
  /** Operator env supplies the OAuth app (PLUGBOARD_<KEY>_CLIENT_ID); otherwise the tenant sets secrets. */
  operatorCredentials: boolean;
  webhookScheme?: WebhookScheme;
  /** The redirect URI to register with the provider (custom providers: one per provider, REQ-5). */
  redirectUri?: string;
  authMode: AuthMode;
  /** What `POST /api/v1/integrations/:id/connect` takes as `credentials` (every mode but `oauth2`; lib/oauth/modes.ts). */
  credentialFields?: { name: string; label: string; secret: boolean }[];
  /** What `POST /api/v1/integrations/:id/connect` needs as `params` (Shopify shop, Zendesk subdomain…). */
  templateParams: TemplateParam[];
  /** The provider's documentation (built-ins). */
  docs: string[];
}

/** The callback path of a provider: built-ins `/oauth/callback/<key>`, custom providers their own (REQ-5). */
export function callbackPathOf(def: Pick<ProviderDefinition, 'key' | 'callbackPath'>): string {
  return def.callbackPath ?? `/oauth/callback/${def.key}`;
}

/** A custom provider's callback path: unique per provider, so two tenants' providers never share a redirect URI. */
export function customCallbackPath(customProviderId: string): string {
  return `/oauth/callback/custom/${customProviderId}`;
}
