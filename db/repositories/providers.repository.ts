import { createHmac } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { providerParamsOf, resolveTemplates } from '../../providers/catalog/templates.ts';
import { builtInProviders, toCatalogEntry } from '../../providers/index.ts';
import { callbackPathOf, customCallbackPath, type CatalogEntry, type ProviderDefinition } from '../../providers/types.ts';
import { outboundAllowList, providerEnv } from '../../lib/env.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { createOutboundGuard, type OutboundGuard } from '../../lib/net-guard.ts';
import type { Vault } from '../../lib/vault.ts';
import { readSecrets } from '../credentials.ts';
import { CustomProvider, type Integration } from '../entities/index.ts';

export const SANDBOX_CLIENT_ID = 'plugboard-sandbox';

/** The sandbox client secret, derived from the vault so the API (its server) and the worker (its client) agree. */
export function sandboxClientSecret(vault: Vault): string {
  const key = vault.keyring.keys.get(vault.keyring.activeKid)!;
  return createHmac('sha256', key).update('plugboard-sandbox-client-secret-v1').digest('base64url');
}

export class MissingClientCredentialsError extends AppError {
  constructor(provider: string) {
    super(
      422,
      'missing_client_credentials',
      `No OAuth app is configured for ${provider}: set PLUGBOARD_${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_CLIENT_ID and _CLIENT_SECRET on the server, or PATCH this integration's secrets { clientId, clientSecret }.`,
    );
  }
}

/**
 * Resolves provider definitions for a tenant: the built-in catalog (code in providers/) plus the
 * tenant's own custom OAuth2/OIDC providers (rows in custom_provider).
 */
export class ProviderRegistry {
  readonly builtIns: ReadonlyMap<string, ProviderDefinition>;

  readonly vault: Vault;
  /** PUBLIC_URL: redirect URIs are `${publicUrl}${callbackPathOf(def)}`. */
  readonly publicUrl: string;
  /** Operator settings by provider: `PLUGBOARD_<KEY>_<SUFFIX>`. */
  readonly setting: (key: string, suffix: string) => string | undefined;
  /**
   * The outbound guard for URLs a tenant sets (custom provider endpoints, forwarding targets), allowing what
   * PLUGBOARD_OUTBOUND_ALLOW allows. Tests replace it with one whose resolver they control.
   */
  outbound: OutboundGuard;

  constructor(options: { publicUrl: string; sandboxEnabled: boolean; vault: Vault; env?: Readonly<Record<string, string | undefined>> }) {
    const source = options.env ?? process.env;
    // Settings do not change while the process runs: each is looked up once (the webhook path reads several per delivery).
    const memo = new Map<string, string | undefined>();
    this.setting = (key, suffix) => {
      const name = `${key}\u0000${suffix}`;
      if (!memo.has(name)) memo.set(name, providerEnv(key, suffix, source));
      return memo.get(name);
    };
    this.builtIns = new Map(builtInProviders(options.publicUrl, options.sandboxEnabled, this.setting).map((p) => [p.key, p]));
    this.vault = options.vault;
    this.outbound = createOutboundGuard({ allow: outboundAllowList.parse(source.PLUGBOARD_OUTBOUND_ALLOW ?? '') });
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
  }

  /** The redirect URI of a provider (REQ-4: never built from request input). */
  redirectUri(def: Pick<ProviderDefinition, 'key' | 'callbackPath'>): string {
    return `${this.publicUrl}${callbackPathOf(def)}`;
  }

  /** The definition of a provider this tenant can use (built-in or its own custom provider). */
  async resolve(em: EntityManager, tenantId: string, key: string): Promise<ProviderDefinition> {
    const builtIn = this.builtIns.get(key);
    if (builtIn) return builtIn;
    const row = await em.findOne(CustomProvider, { tenantId, key });
    if (!row) throw notFound(`Provider ${key}`);
    return { ...customDefinition(row), fetch: this.outbound.fetch };
  }

  /**
   * The definition for one integration: `resolve`, with templated endpoints (Shopify `{shop}`, Zendesk
   * `{subdomain}`…) filled from the integration's `settings.providerParams`. Throws TemplateValueError (400) when
   * the stored values are missing or invalid (providers/catalog/templates.ts).
   */
  async resolveFor(em: EntityManager, integration: Pick<Integration, 'tenantId' | 'provider' | 'settings'>): Promise<ProviderDefinition> {
    return resolveTemplates(await this.resolve(em, integration.tenantId, integration.provider), providerParamsOf(integration.settings));
  }

  /**
   * OAuth client credentials for an integration, first found wins: the integration's own secrets (tenant
   * brings its own app), the custom provider's, operator env, the sandbox's derived ones.
   */
  async clientCredentials(em: EntityManager, integration: Integration): Promise<{ clientId: string; clientSecret: string }> {
    const secrets = readSecrets(this.vault, integration);
    if (secrets.clientId && secrets.clientSecret) return { clientId: secrets.clientId, clientSecret: secrets.clientSecret };
    if (!this.builtIns.has(integration.provider)) {
      const row = await em.findOne(CustomProvider, { tenantId: integration.tenantId, key: integration.provider });
      if (row?.clientId && row.clientSecret) {
        const clientSecret = this.vault.decrypt(row.clientSecret, { tenantId: row.tenantId, entity: 'custom_provider', id: row.id, field: 'clientSecret' });
        return { clientId: row.clientId, clientSecret };
      }
    }
    const envId = this.setting(integration.provider, 'CLIENT_ID');
    const envSecret = this.setting(integration.provider, 'CLIENT_SECRET');
    if (envId && envSecret) return { clientId: envId, clientSecret: envSecret };
    if (integration.provider === 'sandbox' && this.builtIns.has('sandbox'))
      return { clientId: SANDBOX_CLIENT_ID, clientSecret: sandboxClientSecret(this.vault) };
    throw new MissingClientCredentialsError(integration.provider);
  }

  /** Operator env holds an OAuth app for this provider (PLUGBOARD_<KEY>_CLIENT_ID), or it is the sandbox. */
  hasOperatorCredentials(key: string): boolean {
    return key === 'sandbox' || this.setting(key, 'CLIENT_ID') !== undefined;
  }

  async catalog(em: EntityManager, tenantId: string): Promise<CatalogEntry[]> {
    const builtIn = [...this.builtIns.values()].map((p) => ({ ...toCatalogEntry(p, this.hasOperatorCredentials(p.key)), redirectUri: this.redirectUri(p) }));
    const custom = await em.find(CustomProvider, { tenantId }, { orderBy: { key: 'asc' } });
    return [...builtIn, ...custom.map((row) => ({ ...customCatalogEntry(row), redirectUri: this.redirectUri(customDefinition(row)) }))];
  }

  /** Whether `key` names a provider this tenant can use. */
  async exists(em: EntityManager, tenantId: string, key: string): Promise<boolean> {
    if (this.builtIns.has(key)) return true;
    return (await em.count(CustomProvider, { tenantId, key })) > 0;
  }
}

/** A custom provider row as a provider definition: standard OAuth 2.0, nothing provider-specific. */
export function customDefinition(row: CustomProvider): ProviderDefinition {
  return {
    key: row.key,
    name: row.name,
    description: 'Custom provider',
    color: '#5b6474',
    issuer: row.issuer ?? undefined,
    authorizationUrl: row.authorizationUrl,
    tokenUrl: row.tokenUrl,
    defaultScopes: row.scopes,
    scopeSeparator: ' ',
    pkce: row.pkce,
    clientAuth: row.clientAuth,
    tokenRequestBody: 'form',
    issParameterSupported: row.issParameterSupported,
    ...(row.consentPrompt ? { consentPrompt: { param: 'prompt', value: 'consent' } } : {}),
    // Unique per provider, not per key: two tenants' providers never share a redirect URI (REQ-5).
    callbackPath: customCallbackPath(row.id),
    account: { idTokenClaim: 'sub' },
    refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
    revocation: row.revocationUrl ? { style: 'rfc7009', url: row.revocationUrl, token: 'refresh_token' } : { style: 'none', token: 'refresh_token' },
  };
}

function customCatalogEntry(row: CustomProvider): CatalogEntry {
  return {
    key: row.key,
    name: row.name,
    description: row.issuer ? `Custom OpenID Connect / OAuth 2.0 provider (${row.issuer})` : 'Custom OAuth 2.0 provider',
    color: '#5b6474',
    kind: 'custom',
    pkce: row.pkce,
    defaultScopes: row.scopes,
    // The tenant's own app credentials, when stored with the provider.
    operatorCredentials: Boolean(row.clientId && row.clientSecret),
    authMode: 'oauth2',
    templateParams: [],
    docs: [],
  };
}
