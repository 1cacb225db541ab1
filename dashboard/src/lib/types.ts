/**
 * The REST API's public shapes (DESIGN.md §8), as the dashboard receives them over HTTP (dates are ISO strings).
 * Mirrors api/routes/present.ts and providers/types.ts `CatalogEntry`; the dashboard never imports server code.
 */

export type IntegrationStatus = 'pending' | 'active' | 'error' | 'disconnected';

export interface IntegrationSettings {
	forwardUrl?: string | null;
	syncIntervalMinutes?: number | null;
	scopes?: string[] | null;
	custom?: Record<string, unknown> | null;
	[key: string]: unknown;
}

export interface Integration {
	id: string;
	provider: string;
	displayName: string | null;
	status: IntegrationStatus;
	settings: IntegrationSettings;
	/** Names of the write-only secrets that are set (values are never returned). */
	secretsSet: string[];
	externalAccountId: string | null;
	scopes: string[] | null;
	tokenExpiresAt: string | null;
	lastSync: string | null;
	lastError: string | null;
	errorCount: number;
	webhookUrl: string;
	workflowId: string | null;
	workflowUrl: string | null;
	createdAt: string;
	updatedAt: string;
}

export type PkceMethod = 'S256' | 'none';
export type WebhookScheme =
	| 'slack'
	| 'github'
	| 'stripe'
	| 'standard-webhooks'
	| 'notion'
	| 'pubsub-oidc'
	| 'google-channel'
	| 'microsoft-graph';

export interface CatalogEntry {
	key: string;
	name: string;
	description: string;
	color: string;
	kind: 'built-in' | 'custom';
	pkce: PkceMethod;
	defaultScopes: string[];
	operatorCredentials: boolean;
	webhookScheme?: WebhookScheme;
}
