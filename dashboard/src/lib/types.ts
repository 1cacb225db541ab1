/**
 * The REST API's public shapes (README "Using the API"), as the dashboard receives them over HTTP (dates are ISO strings).
 * Mirrors api/routes/present.ts; the catalog types are imported (types only) from providers/types.ts.
 */

export type IntegrationStatus = 'pending' | 'active' | 'error' | 'disconnected';

export interface IntegrationSettings {
	forwardUrl?: string | null;
	syncIntervalMinutes?: number | null;
	scopes?: string[] | null;
	custom?: Record<string, unknown> | null;
	[key: string]: unknown;
}

export interface IntegrationPush {
	/** Subscribed and not yet expired. */
	active: boolean;
	channelId: string | null;
	expiresAt: string | null;
	/** When it is renewed (or, after an error, tried again). */
	renewAt: string | null;
	error: string | null;
}

export interface Integration {
	id: string;
	provider: string;
	displayName: string | null;
	status: IntegrationStatus;
	settings: IntegrationSettings;
	/** Names of the write-only secrets that are set (values are never returned). */
	secretsSet: string[];
	/** A provider's webhook verification handshake (Notion) left a token to reveal once. */
	webhookVerificationPending: boolean;
	externalAccountId: string | null;
	scopes: string[] | null;
	tokenExpiresAt: string | null;
	/** When the refresh token dies, where the provider or the tenant states it; null when unknown. */
	refreshTokenExpiresAt: string | null;
	/** Whole days until reauthorization is due (rounded up; 0 when overdue); null when unknown. */
	reauthorizationDueInDays: number | null;
	reauthorizationOverdue: boolean;
	lastSync: string | null;
	lastError: string | null;
	errorCount: number;
	webhookUrl: string;
	/** The provider push subscription (Google Calendar channel, Gmail watch) kept by the connection workflow. */
	push: IntegrationPush | null;
	workflowId: string | null;
	workflowUrl: string | null;
	/**
	 * While `pending`: when the connect flow in progress expires (null when none is open). Shown as
	 * "Authorizing" until then, "Not connected" after.
	 */
	authorizationExpiresAt: string | null;
	createdAt: string;
	updatedAt: string;
}

// The catalog's shapes come from the API's own contract (docs/conventions.md: `import type` of API contracts).
import type { PkceMethod } from '../../../providers/types.ts';
export type { CatalogEntry, PkceMethod, WebhookScheme } from '../../../providers/types.ts';

/** An API key as GET /api/v1/api-keys lists it: never its secret. */
export interface ApiKeyInfo {
	id: string;
	name: string;
	/** The public start of the key (`pbk_<prefix>`), to recognise it. */
	prefix: string;
	createdAt: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
	/** The key this dashboard session signed in with. */
	current: boolean;
	/** Full access (acts as admin) or read-only (acts as viewer). */
	scope?: 'full' | 'read_only';
}

export interface Me {
	tenantId: string;
	name: string;
	apiKeyId: string;
	/** A key's scope (team accounts): a read-only key acts as a viewer. */
	scope?: 'full' | 'read_only';
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface IntegrationLog {
	id: string;
	kind: string;
	level: LogLevel;
	message: string;
	createdAt: string;
}

export type WebhookEventStatus = 'pending' | 'processed' | 'failed';

export interface WebhookEvent {
	id: string;
	integrationId: string;
	provider: string;
	eventType: string;
	deliveryId: string;
	status: WebhookEventStatus;
	attempts: number;
	lastAttemptAt: string | null;
	processedAt: string | null;
	errorMessage: string | null;
	createdAt: string;
}

export interface WebhookEventDetail extends WebhookEvent {
	/** The stored body, secrets redacted by the API. */
	payload: unknown;
}

/** A success rate: `value` in 0..1, or null when there is no data (denominator 0). */
export interface Rate {
	value: number | null;
	numerator: number;
	denominator: number;
	/** The API's target for this rate (0..1), when it sends one. */
	target?: number;
	/** The period measured: '30d', '7d', 'now'. */
	window?: string;
	/** Time-weighted rates (integration uptime): numerator and denominator are seconds, over this many integrations. */
	unit?: 'seconds';
	integrations?: number;
}

export interface Stats {
	connectionSuccessRate: Rate;
	integrationUptime: Rate;
	webhookSuccessRate: Rate;
}

export interface ConnectStarted {
	connectUrl: string;
	expiresAt: string;
}

export interface DisconnectResult {
	status: IntegrationStatus;
	revoked: boolean;
	detail: string;
}

export interface CustomProviderInput {
	key: string;
	name: string;
	issuer?: string;
	authorizationUrl?: string;
	tokenUrl?: string;
	revocationUrl?: string;
	scopes?: string[];
	pkce?: PkceMethod;
	clientAuth?: 'client_secret_basic' | 'client_secret_post';
	clientId?: string;
	clientSecret?: string;
}

/** `GET/PATCH /branding`: how the connect page presents the tenant (mirrors api/routes/api/v1/branding). */
export interface Branding {
	displayName: string;
	logoUrl: string | null;
	accentColor: string | null;
	tenantName: string;
}

export interface CustomProviderCreated {
	key: string;
	name: string;
	/** The redirect URI to register at the provider: one per custom provider. */
	redirectUri: string;
	callbackUrl: string;
	clientSecretSet: boolean;
}

/** `GET /integrations/:id/sync-status`: the last sync, the Temporal Schedule (null when there is none), records per model. */
export interface SyncStatus {
	lastSync: string | null;
	schedule: { nextRunAt: string | null; paused: boolean; intervalMinutes: number | null } | null;
	records: { model: string; live: number; deleted: number }[];
}

/** `POST /integrations/:id/sync`: what one sync changed; `skipped` says why it did nothing. */
export interface SyncResult {
	created: number;
	updated: number;
	deleted: number;
	unchanged: number;
	skipped?: string;
	lastSync: string | null;
}

export interface IntegrationPatch {
	displayName?: string | null;
	settings?: { forwardUrl?: string | null; syncIntervalMinutes?: number | null; scopes?: string[] | null; custom?: Record<string, unknown> | null };
	secrets?: Record<string, string | null>;
}

/** `GET /event-endpoints`: where the tenant's lifecycle events go (mirrors api/routes/api/v1/event-endpoints; never a secret). */
export interface EventEndpoint {
	id: string;
	url: string;
	description: string;
	/** null: every event type. */
	eventTypes: string[] | null;
	enabled: boolean;
	disabledAt: string | null;
	disabledReason: string | null;
	failingSince: string | null;
	/** While set, the secret before the last rotation still signs beside the new one. */
	previousSecretExpiresAt: string | null;
	createdAt: string;
	updatedAt: string;
}

export type EventDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** `GET /event-endpoints/:id/deliveries`: one event sent (or to be sent) to one endpoint. */
export interface EventDelivery {
	id: string;
	eventId: string;
	eventType: string;
	status: EventDeliveryStatus;
	attempts: number;
	nextAttemptAt: string | null;
	lastAttemptAt: string | null;
	lastStatusCode: number | null;
	lastError: string | null;
	deliveredAt: string | null;
	createdAt: string;
}

/** `GET …/deliveries/:deliveryId/attempts`: one HTTP attempt and what the receiver answered. */
export interface EventDeliveryAttempt {
	id: string;
	attemptedAt: string;
	statusCode: number | null;
	latencyMs: number;
	/** The start of the receiver's answer: untrusted text, shown escaped. */
	responseExcerpt: string | null;
	error: string | null;
}

/** `POST /event-endpoints/:id/replay`. */
export interface ReplayResult {
	requeued: number;
	more: boolean;
	enabled: boolean;
}

// Team accounts (issue 16): people, memberships, invitations, the audit trail.

export type MemberRole = import('./roles.ts').Role;

export interface Membership {
	tenantId: string;
	tenantName: string;
	role: MemberRole;
}

export interface AccountUser {
	id: string;
	email: string;
	name: string | null;
}

/** The answer to a password, SSO or invitation sign-in. */
export interface LoginAnswer {
	sessionToken: string;
	expiresAt: string;
	user: AccountUser;
	memberships: Membership[];
}

/** GET /auth/session: the person, their tenants, and their role in the tenant the request names. */
export interface AuthSessionInfo {
	user: AccountUser;
	memberships: Membership[];
	role: MemberRole | null;
}

export interface SsoInfo {
	enabled: boolean;
	issuer?: string;
	name?: string;
}

export interface Member {
	userId: string;
	email: string;
	name: string | null;
	role: MemberRole;
	createdAt: string;
}

export interface PendingInvitation {
	id: string;
	email: string;
	role: MemberRole;
	createdAt: string;
	expiresAt: string;
	invitedBy?: string | null;
}

export interface InvitationCreated {
	id: string;
	inviteUrl: string;
	expiresAt: string;
	emailed: boolean;
}

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'revoked';

export interface InvitationInfo {
	tenantName: string;
	email: string;
	role: MemberRole;
	expiresAt: string;
	status: InvitationStatus;
}

export interface AuditEntry {
	id: string;
	at: string;
	actor: { type: 'user' | 'api_key' | 'system'; id: string | null; label: string | null };
	action: string;
	target: { type: string | null; id: string | null };
	ip: string | null;
	userAgent: string | null;
	details?: Record<string, unknown> | null;
}
