import { providerEnv } from '../lib/env.ts';
import { atlassianProvider } from './atlassian.provider.ts';
import { catalogDefinitions } from './catalog/index.ts';
import { validateDefinitions } from './catalog/convert.ts';
import { dropboxProvider } from './dropbox.provider.ts';
import { githubAppProvider } from './github-app.provider.ts';
import { githubProvider } from './github.provider.ts';
import { gmailProvider } from './gmail.provider.ts';
import { googleCalendarProvider } from './google-calendar.provider.ts';
import { googleDocsProvider, googleDriveProvider, googleSheetsProvider } from './google-workspace.provider.ts';
import { hubspotProvider } from './hubspot.provider.ts';
import { linearProvider } from './linear.provider.ts';
import { onedriveProvider, outlookProvider, teamsProvider } from './microsoft-apps.provider.ts';
import { microsoftProvider } from './microsoft.provider.ts';
import { notionProvider } from './notion.provider.ts';
import { salesforceProvider } from './salesforce.provider.ts';
import { sandboxProvider } from './sandbox.provider.ts';
import { slackProvider } from './slack.provider.ts';
import { credentialFields } from '../lib/oauth/modes.ts';
import { authModeOf, type CatalogEntry, type ProviderDefinition } from './types.ts';
import { zoomProvider } from './zoom.provider.ts';

/** Reads one override for a provider: `(key, suffix)` → `PLUGBOARD_<KEY>_<SUFFIX>` in production. */
export type OverrideLookup = (providerKey: string, suffix: string) => string | undefined;

export interface BuiltInProviderOptions {
  /** PUBLIC_URL; the sandbox provider's endpoints hang off it. */
  publicUrl: string;
  /** Include the sandbox provider (env().sandboxEnabled). */
  sandbox?: boolean;
  /** Source of endpoint overrides; defaults to operator env. */
  lookup?: OverrideLookup;
}

/**
 * Every built-in but the sandbox: the hand-written definitions (providers/*.provider.ts, those with code) and the
 * catalog's data entries (providers/catalog/entries/). All are validated against the catalog schema when this
 * module loads: a bad entry stops the process with a message naming the entry and the field.
 */
const staticProviders: readonly ProviderDefinition[] = [
  gmailProvider,
  googleCalendarProvider,
  googleDriveProvider,
  googleSheetsProvider,
  googleDocsProvider,
  slackProvider,
  notionProvider,
  githubProvider,
  githubAppProvider,
  microsoftProvider,
  atlassianProvider,
  hubspotProvider,
  salesforceProvider,
  dropboxProvider,
  linearProvider,
  zoomProvider,
  onedriveProvider,
  teamsProvider,
  outlookProvider,
  ...catalogDefinitions(),
];
validateDefinitions(staticProviders);

const envLookup: OverrideLookup = (key, suffix) => providerEnv(key, suffix);

function overrideUrl(lookup: OverrideLookup, key: string, suffix: string): string | undefined {
  const value = lookup(key, suffix);
  if (value === undefined) return undefined;
  const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
  if (protocol !== 'https:' && protocol !== 'http:') {
    const name = `PLUGBOARD_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${suffix}`;
    throw new Error(`Invalid configuration: ${name} must be an http(s) URL.`);
  }
  return value;
}

/**
 * Replaces endpoints from configuration (`…_AUTHORIZATION_URL`, `…_TOKEN_URL`, `…_REVOCATION_URL`,
 * `…_USERINFO_URL`, `…_JWKS_URI`, `…_API_BASE_URL`, `…_ACCOUNT_API_BASE_URL`, `…_CONNECT_METADATA_URL`, `…_ISSUER`) so a deployment or a test can point a provider at another
 * host, e.g. a local fake. Pure: returns a new definition and never mutates `def`.
 */
export function applyEndpointOverrides(def: ProviderDefinition, lookup: OverrideLookup): ProviderDefinition {
  const get = (suffix: string) => overrideUrl(lookup, def.key, suffix);
  const revocationUrl = get('REVOCATION_URL');
  return {
    ...def,
    // A fake AS for an OIDC provider signs ID tokens with its own issuer.
    issuer: get('ISSUER') ?? def.issuer,
    authorizationUrl: get('AUTHORIZATION_URL') ?? def.authorizationUrl,
    tokenUrl: get('TOKEN_URL') ?? def.tokenUrl,
    userinfoUrl: get('USERINFO_URL') ?? def.userinfoUrl,
    jwksUri: get('JWKS_URI') ?? def.jwksUri,
    apiBaseUrl: get('API_BASE_URL') ?? def.apiBaseUrl,
    revocation: revocationUrl === undefined ? def.revocation : { ...def.revocation, url: revocationUrl },
    ...(def.accountApiBaseUrl ? { accountApiBaseUrl: get('ACCOUNT_API_BASE_URL') ?? def.accountApiBaseUrl } : {}),
    // The one connect-time metadata request (Xero's /connections): `…_CONNECT_METADATA_URL`.
    ...(def.connectMetadata
      ? { connectMetadata: def.connectMetadata.map((item) => (item.url === undefined ? item : { ...item, url: get('CONNECT_METADATA_URL') ?? item.url })) }
      : {}),
  };
}

/** Every built-in provider, endpoint overrides applied; the sandbox only when enabled. */
export function builtInProviders(publicUrl: string, includeSandbox = false, lookup: OverrideLookup = envLookup): ProviderDefinition[] {
  // PLUGBOARD_SANDBOX_URL: the sandbox runs as its own process (api/sandbox/main.ts) instead of under PUBLIC_URL.
  const defs = includeSandbox ? [...staticProviders, sandboxProvider(overrideUrl(lookup, 'sandbox', 'URL') ?? publicUrl)] : [...staticProviders];
  return defs.map((def) => applyEndpointOverrides(def, lookup));
}

export function getBuiltInProvider(key: string, options: BuiltInProviderOptions): ProviderDefinition | undefined {
  return builtInProviders(options.publicUrl, options.sandbox ?? false, options.lookup).find((def) => def.key === key);
}

export function toCatalogEntry(def: ProviderDefinition, operatorCredentials: boolean, kind: CatalogEntry['kind'] = 'built-in'): CatalogEntry {
  return {
    key: def.key,
    name: def.name,
    description: def.description,
    color: def.color,
    kind,
    pkce: def.pkce,
    defaultScopes: [...def.defaultScopes],
    operatorCredentials,
    ...(def.webhook ? { webhookScheme: def.webhook.scheme } : {}),
    authMode: authModeOf(def),
    ...(def.auth ? { credentialFields: credentialFields(def.auth) } : {}),
    templateParams: (def.templateParams ?? []).map((p) => ({ ...p, ...(p.values ? { values: [...p.values] } : {}) })),
    docs: [...(def.docs ?? [])],
  };
}
