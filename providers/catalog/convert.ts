/**
 * Between catalog entries (validated data, schema.ts) and ProviderDefinition (what the OAuth code, the proxy and
 * the workflows use). Entries written as data become definitions with `definitionFromEntry`, attaching whatever
 * code the provider has by key; the hand-written definitions (providers/*.provider.ts) are turned back into entries
 * with `entryFromDefinition` so that the same schema validates every built-in's data part.
 */
import type { ProviderDefinition, SyncHook, PushSubscriptionHook, WebhookConfig } from '../types.ts';
import { parseEntry, type NonOAuth2Auth, type ProviderEntry, type ProviderEntryInput } from './schema.ts';

/** Behaviour that is code, attached to an entry by key (never part of the validated data). */
export interface ProviderCode {
  sync?: SyncHook;
  push?: PushSubscriptionHook;
  appIdentity?: WebhookConfig['appIdentity'];
}

const DEFAULT_LEAD = { leadFraction: 0.25, maxLeadSeconds: 900 } as const;

/** The proxied-API quirk fields of an entry (providers/catalog/connect-metadata.ts), where present. */
const quirksOf = (entry: ProviderEntry): Pick<ProviderDefinition, 'apiAuthHeader' | 'connectMetadata' | 'accountApiBaseUrl'> => ({
  ...(entry.apiAuthHeader ? { apiAuthHeader: entry.apiAuthHeader } : {}),
  ...(entry.connectMetadata ? { connectMetadata: entry.connectMetadata } : {}),
  ...(entry.accountApiBaseUrl ? { accountApiBaseUrl: entry.accountApiBaseUrl } : {}),
});

/** A validated entry as a provider definition (throws naming the entry and field when the data is invalid). */
export function definitionFromEntry(input: ProviderEntryInput, code: ProviderCode = {}): ProviderDefinition {
  const entry: ProviderEntry = parseEntry(input);
  const { auth } = entry;
  if (auth.mode !== 'oauth2') return definitionOfMode(entry, auth, code);
  const def: ProviderDefinition = {
    key: entry.key,
    name: entry.name,
    description: entry.description,
    color: entry.color,
    docs: entry.docs,
    ...(entry.templateParams?.length ? { templateParams: entry.templateParams } : {}),
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    authorizationUrl: auth.authorizationUrl,
    tokenUrl: auth.tokenUrl,
    ...(auth.userinfoUrl ? { userinfoUrl: auth.userinfoUrl } : {}),
    ...(auth.userinfoAuthScheme ? { userinfoAuthScheme: auth.userinfoAuthScheme } : {}),
    ...(auth.jwksUri ? { jwksUri: auth.jwksUri } : {}),
    ...(entry.apiBaseUrl ? { apiBaseUrl: entry.apiBaseUrl } : {}),
    ...(entry.apiHeaders ? { apiHeaders: entry.apiHeaders } : {}),
    ...quirksOf(entry),
    defaultScopes: auth.scopes.default,
    scopeSeparator: auth.scopes.separator,
    ...(auth.authorizationParams ? { authorizationParams: auth.authorizationParams } : {}),
    ...(auth.consentPrompt ? { consentPrompt: auth.consentPrompt } : {}),
    pkce: auth.pkce,
    clientAuth: auth.clientAuth,
    ...(auth.refreshClientAuth ? { refreshClientAuth: auth.refreshClientAuth } : {}),
    tokenRequestBody: auth.tokenRequestBody,
    ...(auth.tokenRequestHeaders ? { tokenRequestHeaders: auth.tokenRequestHeaders } : {}),
    ...(auth.tokenParams ? { tokenParams: auth.tokenParams } : {}),
    ...(auth.errorsWithHttp200 ? { errorsWithHttp200: auth.errorsWithHttp200 } : {}),
    ...(auth.alternateTokenPath ? { alternateTokenPath: auth.alternateTokenPath } : {}),
    ...(auth.metadataFields ? { metadataFields: auth.metadataFields } : {}),
    ...(auth.issParameterSupported ? { issParameterSupported: true } : {}),
    account: auth.account,
    refresh: { ...DEFAULT_LEAD, ...auth.refresh },
    revocation: auth.revocation,
    ...(entry.webhook ? { webhook: { ...entry.webhook, ...(code.appIdentity ? { appIdentity: code.appIdentity } : {}) } } : {}),
    ...(entry.setupUrl ? { setupUrl: entry.setupUrl } : {}),
    ...(code.sync ? { sync: code.sync } : {}),
    ...(code.push ? { push: code.push } : {}),
  };
  return def;
}

/**
 * A definition of an entry in another auth mode: its `auth` carries the mode's data, and the OAuth fields every
 * definition has get inert values (no authorization endpoint, no refresh token, no remote revocation) so code that
 * only knows the authorization-code grant never runs a flow for it (the OAuth start refuses `auth`-mode providers).
 */
function definitionOfMode(entry: ProviderEntry, auth: NonOAuth2Auth, code: ProviderCode): ProviderDefinition {
  const minted = auth.mode === 'oauth2_client_credentials' || auth.mode === 'github_app' || auth.mode === 'jwt_bearer';
  return {
    key: entry.key,
    name: entry.name,
    description: entry.description,
    color: entry.color,
    docs: entry.docs,
    auth,
    ...(entry.templateParams?.length ? { templateParams: entry.templateParams } : {}),
    authorizationUrl: '',
    tokenUrl: minted ? auth.tokenUrl : '',
    ...(entry.apiBaseUrl ? { apiBaseUrl: entry.apiBaseUrl } : {}),
    ...(entry.apiHeaders ? { apiHeaders: entry.apiHeaders } : {}),
    ...quirksOf(entry),
    defaultScopes: 'scopes' in auth ? auth.scopes.default : [],
    scopeSeparator: 'scopes' in auth ? auth.scopes.separator : ' ',
    pkce: 'none',
    clientAuth: auth.mode === 'oauth2_client_credentials' ? auth.clientAuth : 'client_secret_basic',
    tokenRequestBody: auth.mode === 'oauth2_client_credentials' ? auth.tokenRequestBody : 'form',
    account: {},
    refresh: minted ? { supported: true, rotatesRefreshToken: false, ...DEFAULT_LEAD, ...auth.refresh } : { supported: false, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'access_token' },
    ...(entry.webhook ? { webhook: { ...entry.webhook, ...(code.appIdentity ? { appIdentity: code.appIdentity } : {}) } } : {}),
    ...(entry.setupUrl ? { setupUrl: entry.setupUrl } : {}),
    ...(code.sync ? { sync: code.sync } : {}),
    ...(code.push ? { push: code.push } : {}),
  };
}

/** The declarative part of a definition in entry shape (code and runtime fields left out), for validation. */
export function entryFromDefinition(def: ProviderDefinition): ProviderEntryInput {
  const drop = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return drop({
    key: def.key,
    name: def.name,
    description: def.description,
    color: def.color,
    templateParams: def.templateParams,
    apiBaseUrl: def.apiBaseUrl,
    apiHeaders: def.apiHeaders,
    apiAuthHeader: def.apiAuthHeader,
    connectMetadata: def.connectMetadata,
    accountApiBaseUrl: def.accountApiBaseUrl,
    docs: def.docs ?? [],
    setupUrl: def.setupUrl,
    webhook: def.webhook ? { scheme: def.webhook.scheme, maxBodyBytes: def.webhook.maxBodyBytes } : undefined,
    // A mode other than the authorization-code grant carries its own validated data; oauth2 is rebuilt from the fields.
    auth:
      def.auth ??
      drop({
        mode: 'oauth2' as const,
        authorizationUrl: def.authorizationUrl,
        tokenUrl: def.tokenUrl,
        userinfoUrl: def.userinfoUrl,
        userinfoAuthScheme: def.userinfoAuthScheme,
        issuer: def.issuer,
        jwksUri: def.jwksUri,
        scopes: { default: def.defaultScopes, separator: def.scopeSeparator },
        authorizationParams: def.authorizationParams,
        consentPrompt: def.consentPrompt,
        pkce: def.pkce,
        clientAuth: def.clientAuth,
        refreshClientAuth: def.refreshClientAuth,
        tokenRequestBody: def.tokenRequestBody,
        tokenRequestHeaders: def.tokenRequestHeaders,
        tokenParams: def.tokenParams,
        errorsWithHttp200: def.errorsWithHttp200,
        alternateTokenPath: def.alternateTokenPath,
        metadataFields: def.metadataFields,
        issParameterSupported: def.issParameterSupported,
        account: def.account,
        refresh: def.refresh,
        revocation: def.revocation,
      }),
  });
}

/** Validates every definition's data part at load: the first bad one throws, naming the entry and its fields. */
export function validateDefinitions(defs: readonly ProviderDefinition[]): void {
  const seen = new Set<string>();
  for (const def of defs) {
    parseEntry(entryFromDefinition(def));
    if (seen.has(def.key)) throw new Error(`Invalid provider catalog: the key "${def.key}" is used twice`);
    seen.add(def.key);
  }
}
