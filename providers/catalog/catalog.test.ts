import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientConfiguration, OAuthConfigError } from '../../lib/oauth/client.ts';
import { builtInProviders, toCatalogEntry } from '../index.ts';
import { definitionFromEntry, entryFromDefinition, validateDefinitions } from './convert.ts';
import { catalogEntries } from './index.ts';
import { renderProvidersDoc } from './render-docs.ts';
import { HOSTILE_VALUES, parseEntry, providerEntrySchema, type ProviderEntryInput } from './schema.ts';
import { fillTemplate, resolveTemplates, validateTemplateValues } from './templates.ts';
import { shopifyEntry } from './entries/shopify.entry.ts';
import { zendeskEntry } from './entries/zendesk.entry.ts';
import { zohoCrmEntry } from './entries/zoho-crm.entry.ts';

const builtIns = builtInProviders('https://plugboard.example.com', false, () => undefined);

/** A valid entry to break one field at a time. */
const base: ProviderEntryInput = {
  key: 'acme',
  name: 'Acme',
  description: 'Acme things.',
  color: '#123456',
  docs: ['https://developer.acme.example/oauth'],
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://acme.example/oauth/authorize',
    tokenUrl: 'https://acme.example/oauth/token',
    scopes: { default: ['read'], separator: ' ' },
    pkce: 'S256',
    clientAuth: 'client_secret_basic',
    tokenRequestBody: 'form',
    account: {},
    refresh: { supported: true, rotatesRefreshToken: true },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
type OAuth2Input = Extract<ProviderEntryInput['auth'], { mode: 'oauth2' }>;
const withAuth = (auth: Partial<OAuth2Input>): ProviderEntryInput => ({ ...base, auth: { ...(base.auth as OAuth2Input), ...auth } });
const problem = (entry: unknown) => () => parseEntry(entry);

describe('catalog schema', () => {
  it('validates every built-in (all but the sandbox) and every data entry, each with a docs link (REQ-20: https only)', () => {
    expect(builtIns.length).toBeGreaterThanOrEqual(45);
    for (const def of builtIns) {
      const entry = providerEntrySchema.safeParse(entryFromDefinition(def));
      expect(entry.success, `${def.key}: ${entry.error?.message}`).toBe(true);
      expect(def.docs?.length, def.key).toBeGreaterThan(0);
    }
    for (const entry of catalogEntries) expect(() => parseEntry(entry), entry.key).not.toThrow();
    expect(() => validateDefinitions(builtIns)).not.toThrow();
  });

  it('round-trips: a data entry becomes a definition whose data part is the same entry', () => {
    for (const entry of catalogEntries) {
      const def = definitionFromEntry(entry);
      const auth = entry.auth.mode === 'oauth2' ? { ...entry.auth, refresh: def.refresh } : entry.auth;
      expect(parseEntry(entryFromDefinition(def)), entry.key).toEqual(parseEntry({ ...entry, auth }));
    }
  });

  it('fails fast with a message naming the entry and the field', () => {
    expect(problem(withAuth({ tokenUrl: 'http://acme.example/oauth/token' }))).toThrow(/Invalid provider catalog entry "acme": auth\.tokenUrl: must be https/);
    expect(problem({ ...base, docs: [] })).toThrow(/"acme": docs: cite the provider documentation/);
    expect(problem({ ...base, color: 'blue' })).toThrow(/"acme": color/);
    expect(problem(withAuth({ mode: 'oauth1' as 'oauth2' }))).toThrow(/"acme": auth\.mode/);
    expect(problem(withAuth({ revocation: { style: 'rfc7009', token: 'refresh_token' } }))).toThrow(
      /"acme": auth\.revocation: a revocation style other than none needs a url/,
    );
    expect(problem(withAuth({ authorizationParams: { client_secret: 'x' } }))).toThrow(/auth\.authorizationParams\.client_secret/);
    expect(problem({ ...base, extra: true })).toThrow(/"acme"/);
    // The same check runs over the hand-written definitions when providers/index.ts loads.
    expect(() => validateDefinitions([{ ...definitionFromEntry(base), tokenUrl: 'http://acme.example/token' }])).toThrow(
      /Invalid provider catalog entry "acme": auth\.tokenUrl: must be https/,
    );
    expect(() => validateDefinitions([definitionFromEntry(base), definitionFromEntry(base)])).toThrow(/"acme" is used twice/);
  });

  it('declares every placeholder, uses every parameter, keeps placeholders in the host and the OAuth endpoints on one template', () => {
    const shop = { name: 'shop', label: 'Shop', pattern: '^[a-z0-9-]{1,60}$', example: 'acme' };
    expect(problem(withAuth({ authorizationUrl: 'https://{shop}.acme.example/authorize' }))).toThrow(/\{shop\} is not a declared template parameter/);
    expect(problem({ ...base, templateParams: [shop] })).toThrow(/shop is used by no endpoint/);
    expect(
      problem({
        ...withAuth({ authorizationUrl: 'https://acme.example/{shop}/authorize', tokenUrl: 'https://acme.example/{shop}/token' }),
        templateParams: [shop],
      }),
    ).toThrow(/placeholders belong in the host only/);
    expect(problem({ ...withAuth({ authorizationUrl: 'https://{shop}.acme.example/authorize' }), templateParams: [shop] })).toThrow(
      /auth\.tokenUrl: the token URL must use the same template parameters/,
    );
    expect(
      parseEntry({
        ...withAuth({ authorizationUrl: 'https://{shop}.acme.example/authorize', tokenUrl: 'https://{shop}.acme.example/token' }),
        templateParams: [shop],
      }).templateParams,
    ).toEqual([shop]);
  });

  it('refuses a parameter pattern that could let a value change the host (".", "/", "@", ":" and the like), or an unanchored one', () => {
    const entry = (pattern: string, example = 'acme') => ({
      ...withAuth({ authorizationUrl: 'https://{s}.acme.example/authorize', tokenUrl: 'https://{s}.acme.example/token' }),
      templateParams: [{ name: 's', label: 'Subdomain', pattern, example }],
    });
    expect(problem(entry('^[a-z0-9.-]+$'))).toThrow(/templateParams\.0\.pattern: the pattern accepts "attacker\.example"/);
    expect(problem(entry('^.+$'))).toThrow(/the pattern accepts "evil\.com\/"/);
    expect(problem(entry('^[^/]+$'))).toThrow(/the pattern accepts "a@b"/);
    expect(problem(entry('[a-z]+'))).toThrow(/must be anchored/);
    expect(problem(entry('^[a-z]+$', 'Acme'))).toThrow(/templateParams\.0\.example/);
    expect(problem(entry('^[a-z]+$'))).not.toThrow();
    // Enumerated values may hold dots (a region's domain suffix), but only lowercase host fragments.
    const listed = (values: string[]) => ({ ...entry('^x$'), templateParams: [{ name: 's', label: 'Region', values }] });
    expect(problem(listed(['com', 'com.au']))).not.toThrow();
    expect(problem(listed(['com', 'evil.com/']))).toThrow(/templateParams\.0\.values\.1/);
  });
});

describe('template values', () => {
  const shopify = definitionFromEntry(shopifyEntry);
  const zendesk = definitionFromEntry(zendeskEntry);
  const zoho = definitionFromEntry(zohoCrmEntry);

  it('resolves every templated endpoint from the values', () => {
    const resolved = resolveTemplates(shopify, { shop: 'acme-store' });
    expect(resolved.authorizationUrl).toBe('https://acme-store.myshopify.com/admin/oauth/authorize');
    expect(resolved.tokenUrl).toBe('https://acme-store.myshopify.com/admin/oauth/access_token');
    expect(resolved.apiBaseUrl).toBe('https://acme-store.myshopify.com/admin/api/2025-10');
    expect(resolveTemplates(zendesk, { subdomain: 'acme' }).userinfoUrl).toBe('https://acme.zendesk.com/api/v2/users/me');
    const eu = resolveTemplates(zoho, { dc: 'com.au' });
    expect([eu.tokenUrl, eu.revocation.url, eu.apiBaseUrl]).toEqual([
      'https://accounts.zoho.com.au/oauth/v2/token',
      'https://accounts.zoho.com.au/oauth/v2/token/revoke',
      'https://www.zohoapis.com.au/crm/v8',
    ]);
    const gitlab = builtIns.find((d) => d.key === 'gitlab')!;
    expect(resolveTemplates(gitlab, {})).toBe(gitlab);
  });

  it('never lets a value change the host: every hostile value is refused for a subdomain, and a region only takes its listed values', () => {
    const hostile = [
      ...HOSTILE_VALUES,
      'acme.attacker.example',
      'attacker.example#',
      'acme@attacker.example',
      'acme:8443',
      '%61cme',
      'acme/../x',
      'аcme',
      '-acme',
      'a'.repeat(64),
    ];
    for (const value of hostile) {
      for (const def of [shopify, zendesk]) {
        const name = def.templateParams![0]!.name;
        expect(() => resolveTemplates(def, { [name]: value }), `${def.key} ${JSON.stringify(value)}`).toThrow(
          expect.objectContaining({ status: 400, code: 'invalid_provider_params' }),
        );
      }
    }
    for (const dc of ['attacker.example', 'com.attacker.example', 'eu/', 'EU', 'de'])
      expect(() => resolveTemplates(zoho, { dc }), dc).toThrow(/must be one of/);
    expect(() => validateTemplateValues(shopify, {})).toThrow(/Shop is required/);
    expect(() => validateTemplateValues(shopify, { shop: 'acme', region: 'eu' })).toThrow(/takes no parameter region/);
    expect(validateTemplateValues(shopify, { shop: 'acme' })).toEqual({ shop: 'acme' });
  });

  it('an unresolved templated definition is refused before any request is built', () => {
    expect(() => clientConfiguration(shopify, { clientId: 'id', clientSecret: 'secret' })).toThrow(OAuthConfigError);
    expect(() => clientConfiguration(shopify, { clientId: 'id', clientSecret: 'secret' })).toThrow(/Shopify needs connect parameters \(shop\)/);
    expect(() => clientConfiguration(resolveTemplates(shopify, { shop: 'acme' }), { clientId: 'id', clientSecret: 'secret' })).not.toThrow();
  });

  it('checks the resolved host against the template host as a second line of defence', () => {
    expect(fillTemplate('https://{shop}.myshopify.com/x', { shop: 'acme' })).toBe('https://acme.myshopify.com/x');
    // Values that bypassed validation still cannot move the host.
    expect(() => fillTemplate('https://{shop}.myshopify.com/x', { shop: 'attacker.example/' })).toThrow(/changes the endpoint host/);
    expect(() => fillTemplate('https://{shop}.myshopify.com/x', { shop: 'attacker.example#' })).toThrow(/changes the endpoint host/);
    expect(() => fillTemplate('https://{shop}.myshopify.com/x', { shop: 'x@attacker.example?' })).toThrow(/changes the endpoint host/);
    expect(() => fillTemplate('https://{shop}.myshopify.com/x', {})).toThrow(/missing value for \{shop\}/);
  });

  it('GET /api/v1/providers entries carry the auth mode, the template parameters and the docs links', () => {
    expect(toCatalogEntry(shopify, false)).toMatchObject({
      key: 'shopify',
      authMode: 'oauth2',
      templateParams: [{ name: 'shop', label: 'Shop', pattern: '^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$', example: 'acme-store' }],
      docs: expect.arrayContaining([expect.stringMatching(/^https:\/\/shopify\.dev\//)]),
    });
    expect(
      toCatalogEntry(
        builtIns.find((d) => d.key === 'slack')!,
        false,
      ),
    ).toMatchObject({ authMode: 'oauth2', templateParams: [], docs: expect.any(Array) });
  });
});

describe('docs/providers.md', () => {
  it('is up to date with the catalog (regenerate with node scripts/providers-doc.ts)', () => {
    const committed = readFileSync(new URL('../../docs/providers.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderProvidersDoc(builtIns));
    for (const def of builtIns) expect(committed, def.key).toContain(`\`${def.key}\``);
  });
});
