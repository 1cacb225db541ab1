/**
 * The provider catalog as validated data (issue #15 item 2): the zod schema of one catalog entry's declarative
 * part. Behaviour that is code (sync hooks, push channels, webhook `appIdentity`, fetch) is attached to an entry by
 * key in providers/catalog/index.ts and is not part of the schema.
 *
 * `auth` is a discriminated union on `mode` (issue #15 item 1; docs/architecture.md "Auth modes"):
 * - `oauth2`: the authorization-code grant, with refresh where the provider has it.
 * - `api_key`: a static key the connecting person pastes (connect form or `credentials` of
 *   `POST /api/v1/integrations/:id/connect`), sent as `placement` says: a header (`name`, optional `prefix` such as
 *   `Bearer ` or `Token token=`) or a query parameter. `fields` lists further values the form asks for (Trello's
 *   token beside its key, Datadog's application key beside its API key), each with its own placement.
 * - `basic`: HTTP Basic; `username` and `password` are labelled form fields, or a `fixed` value (Freshdesk: the API
 *   key is the username and the password is the literal `X`).
 * - `oauth2_client_credentials`: RFC 6749 §4.4, the client id and secret supplied per connection; the token is
 *   fetched by an activity and refreshed by the connection workflow before it expires.
 * - `github_app`: installation access tokens; the App id and private key are the integration's (tenant's) own secrets
 *   (no operator-wide App), the installation id is typed at connect; a JWT (RS256, iat − 60 s, exp ≤ 10 min) is exchanged
 *   at `tokenUrl` (`{installation_id}` filled in) for a one-hour token the workflow refreshes.
 * - `jwt_bearer`: RFC 7523 §2.1 — an RS256 assertion signed with a service-account key supplied per connection,
 *   exchanged at `tokenUrl` and refreshed the same way.
 * The static modes (`api_key`, `basic`) may name a `verify` request: a GET of `path` on `apiBaseUrl` that answers 2xx
 * for valid credentials, made at connect so a wrong key is refused with a clear error.
 */
import { z } from 'zod';
import { webhookSchemes, type WebhookSchemeName } from '../../lib/webhooks/schemes/index.ts';
import { accountApiBaseUrlSchema, accountApiIssues, apiAuthHeaderSchema, connectMetadataSchema } from './connect-metadata.ts';
import { PLACEHOLDER, placeholdersOf } from './placeholder.ts';

/**
 * Values a template parameter's pattern must refuse: anything that could move a URL to another host
 * (dots, slashes, userinfo, ports, query, fragment, percent-escapes, backslashes, whitespace) or be empty.
 */
export const HOSTILE_VALUES = ['', 'attacker.example', 'evil.com/', 'a/b', 'a@b', 'a:1', 'a?b', 'a#b', 'a%2eb', 'a\\b', 'a b', '..', 'a\nb'] as const;

/** An https URL, or one whose host carries `{placeholders}` (only in the host: a path or query never takes one). */
const endpointUrl = z
  .string()
  .max(500)
  .superRefine((value, ctx) => {
    const probe = value.replace(PLACEHOLDER, 'x');
    if (!URL.canParse(probe)) return void ctx.addIssue({ code: 'custom', message: `not a URL: ${value}` });
    const url = new URL(probe);
    if (url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must be https (REQ-20): ${value}` });
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: `must not carry credentials: ${value}` });
    // `{client_id}` (GitHub's revocation path) and `{installation_id}` (a GitHub App's token path) are filled at call
    // time, not template parameters.
    if (/[{}]/.test(value.replace(PLACEHOLDER, '').replace('{client_id}', '').replace('{installation_id}', '')))
      ctx.addIssue({ code: 'custom', message: `malformed placeholder in ${value}` });
    const authority = /^https:\/\/([^/?#]*)/.exec(value)?.[1] ?? '';
    const outside = placeholdersOf(value).length - placeholdersOf(authority).length;
    if (outside > 0) ctx.addIssue({ code: 'custom', message: `placeholders belong in the host only: ${value}` });
    if (/[@:]/.test(authority)) ctx.addIssue({ code: 'custom', message: `no userinfo or port in a built-in endpoint: ${value}` });
  });

const httpsUrl = z.url({ protocol: /^https$/ }).max(500);

const headers = z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().max(200));

export const templateParamSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,31}$/),
    label: z.string().min(1).max(80),
    description: z.string().max(300).optional(),
    pattern: z.string().max(200).optional(),
    values: z
      .array(z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'an allowed value is a lowercase host fragment'))
      .min(1)
      .max(30)
      .optional(),
    example: z.string().max(100).optional(),
  })
  .strict()
  .superRefine((param, ctx) => {
    if ((param.pattern === undefined) === (param.values === undefined)) {
      return void ctx.addIssue({ code: 'custom', message: 'give exactly one of pattern or values' });
    }
    if (param.pattern === undefined) return;
    if (!param.pattern.startsWith('^') || !param.pattern.endsWith('$')) {
      return void ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'the pattern must be anchored (^…$)' });
    }
    let re: RegExp;
    try {
      re = new RegExp(param.pattern, 'u');
    } catch (error) {
      return void ctx.addIssue({ code: 'custom', path: ['pattern'], message: `invalid pattern: ${(error as Error).message}` });
    }
    for (const hostile of HOSTILE_VALUES) {
      if (re.test(hostile)) ctx.addIssue({ code: 'custom', path: ['pattern'], message: `the pattern accepts ${JSON.stringify(hostile)}` });
    }
    if (param.example === undefined || !re.test(param.example)) {
      ctx.addIssue({ code: 'custom', path: ['example'], message: 'give an example the pattern accepts' });
    }
  });

const refreshSchema = z
  .object({
    supported: z.boolean(),
    rotatesRefreshToken: z.boolean(),
    leadFraction: z.number().gt(0).lt(1).optional(),
    maxLeadSeconds: z.number().int().positive().optional(),
    defaultLifetimeSeconds: z.number().int().positive().optional(),
    refreshTokenLifetimeSeconds: z.number().int().positive().optional(),
  })
  .strict();

const revocationSchema = z
  .object({
    style: z.enum(['rfc7009', 'slack-auth-revoke', 'github-app-token', 'notion-json', 'bearer-post', 'none']),
    url: endpointUrl.optional(),
    token: z.enum(['refresh_token', 'access_token']),
    alreadyInvalidStatuses: z.array(z.number().int().min(400).max(599)).optional(),
  })
  .strict()
  .refine((r) => (r.style === 'none') === (r.url === undefined), { message: 'a revocation style other than none needs a url, and none has none' });

const scopeName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s,]+$/, 'a scope has no spaces or commas');

/** OAuth 2.0 authorization-code grant (with refresh where the provider has it). */
export const oauth2AuthSchema = z
  .object({
    mode: z.literal('oauth2'),
    authorizationUrl: endpointUrl,
    tokenUrl: endpointUrl,
    userinfoUrl: endpointUrl.optional(),
    issuer: httpsUrl.optional(),
    jwksUri: httpsUrl.optional(),
    scopes: z.object({ default: z.array(scopeName).max(50), separator: z.enum([' ', ',']) }).strict(),
    authorizationParams: z.record(z.string(), z.string().max(200)).optional(),
    consentPrompt: z
      .object({ param: z.string().min(1), value: z.string().min(1) })
      .strict()
      .optional(),
    pkce: z.enum(['S256', 'none']),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']),
    /** How the client authenticates on a refresh, when documented differently from the code exchange (Keap). */
    refreshClientAuth: z.enum(['client_secret_basic', 'client_secret_post']).optional(),
    tokenRequestBody: z.enum(['form', 'json']),
    tokenRequestHeaders: headers.optional(),
    tokenParams: z.record(z.string().regex(/^[a-z_]+$/), z.string().max(100)).optional(),
    errorsWithHttp200: z.enum(['slack-ok-false', 'error-field']).optional(),
    alternateTokenPath: z.string().optional(),
    metadataFields: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
    /** The scheme the userinfo request presents the token with, when not `Bearer` (Mailchimp's metadata: `OAuth`). */
    userinfoAuthScheme: z.enum(['Bearer', 'OAuth']).optional(),
    issParameterSupported: z.boolean().optional(),
    account: z
      .object({
        tokenResponsePaths: z.array(z.string().min(1)).optional(),
        idTokenClaim: z.string().min(1).optional(),
        userinfoPath: z.string().min(1).optional(),
      })
      .strict(),
    refresh: refreshSchema,
    revocation: revocationSchema,
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (auth.account.userinfoPath && !auth.userinfoUrl) ctx.addIssue({ code: 'custom', path: ['account', 'userinfoPath'], message: 'needs userinfoUrl' });
    const forbidden = ['client_secret', 'code', 'refresh_token', 'access_token', 'code_verifier', 'redirect_uri', 'state'];
    for (const name of Object.keys(auth.authorizationParams ?? {})) {
      if (forbidden.includes(name)) ctx.addIssue({ code: 'custom', path: ['authorizationParams', name], message: 'not a fixed authorization parameter' });
    }
  });

/** A GET on `apiBaseUrl` that answers 2xx for valid credentials (connect refuses the credentials otherwise). */
const verifySchema = z
  .object({
    path: z
      .string()
      .regex(/^\/[^\s#{}]*$/, 'a path on apiBaseUrl, starting with /')
      .max(300),
  })
  .strict();

const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name');
const queryName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a query parameter name');

/** Where a static credential goes on every API call: a header (with an optional prefix) or a query parameter. */
export const placementSchema = z.discriminatedUnion('in', [
  z
    .object({
      in: z.literal('header'),
      name: headerName,
      prefix: z
        .string()
        .max(40)
        .regex(/^[\x20-\x7e]*$/, 'printable ASCII')
        .optional(),
    })
    .strict(),
  z.object({ in: z.literal('query'), name: queryName }).strict(),
]);

/** A credential name as the API's `credentials` object carries it. */
const credentialName = z.string().regex(/^[a-z][a-zA-Z0-9]{0,31}$/, 'a camelCase credential name');
const RESERVED_CREDENTIAL_NAMES = ['apiKey', 'username', 'password', 'clientId', 'clientSecret', 'installationId', 'privateKey'];

/** A further value the connect form asks for (e.g. Trello's `token`, Datadog's `applicationKey`). */
const extraFieldSchema = z
  .object({
    name: credentialName.refine((n) => !RESERVED_CREDENTIAL_NAMES.includes(n), 'a reserved credential name'),
    label: z.string().min(1).max(80),
    /** Shown as a password input and never returned by anything but the token API; `false` for public ids. */
    secret: z.boolean(),
    placement: placementSchema,
  })
  .strict();

/** A static API key (the `apiKey` credential) and optional further fields. */
export const apiKeyAuthSchema = z
  .object({
    mode: z.literal('api_key'),
    /** The connect form's label of the key ("API key", "Secret key"). */
    label: z.string().min(1).max(80).default('API key'),
    placement: placementSchema,
    fields: z.array(extraFieldSchema).max(4).optional(),
    verify: verifySchema.optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const spots = [auth.placement, ...(auth.fields ?? []).map((f) => f.placement)].map((p) => `${p.in}:${p.name.toLowerCase()}`);
    if (new Set(spots).size !== spots.length) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'two credentials in the same place' });
    const names = (auth.fields ?? []).map((f) => f.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'duplicate field name' });
  });

/** A labelled Basic-auth part the person fills, or a fixed value (Freshdesk's password `X`). */
const basicPartSchema = z.union([
  z.object({ label: z.string().min(1).max(80), secret: z.boolean() }).strict(),
  z.object({ fixed: z.string().max(100) }).strict(),
]);

/** HTTP Basic: `Authorization: Basic base64(username:password)` on every API call. */
export const basicAuthSchema = z
  .object({
    mode: z.literal('basic'),
    username: basicPartSchema,
    password: basicPartSchema,
    verify: verifySchema.optional(),
  })
  .strict()
  .refine((auth) => !('fixed' in auth.username && 'fixed' in auth.password), { message: 'at least one of username and password is a form field' });

/** Refresh of a token Plugboard mints itself (client credentials, GitHub App, JWT bearer): no refresh token exists. */
const mintedRefreshSchema = z
  .object({
    leadFraction: z.number().gt(0).lt(1).optional(),
    maxLeadSeconds: z.number().int().positive().optional(),
    /** Lifetime assumed when the token response has no `expires_in` / `expires_at`. */
    defaultLifetimeSeconds: z.number().int().positive().optional(),
  })
  .strict();

/** OAuth 2.0 client credentials (RFC 6749 §4.4): `clientId` / `clientSecret` supplied per connection. */
export const clientCredentialsAuthSchema = z
  .object({
    mode: z.literal('oauth2_client_credentials'),
    tokenUrl: endpointUrl,
    scopes: z.object({ default: z.array(scopeName).max(50), separator: z.enum([' ', ',']) }).strict(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']),
    tokenRequestBody: z.enum(['form', 'json']),
    tokenRequestHeaders: headers.optional(),
    /** Fixed extra token-request parameters (`audience` for Auth0-style servers). */
    tokenParams: z.record(z.string().regex(/^[a-z_]+$/), z.string().max(200)).optional(),
    refresh: mintedRefreshSchema,
  })
  .strict()
  .superRefine((auth, ctx) => {
    for (const name of Object.keys(auth.tokenParams ?? {})) {
      if (['grant_type', 'client_id', 'client_secret', 'scope'].includes(name))
        ctx.addIssue({ code: 'custom', path: ['tokenParams', name], message: 'set by Plugboard' });
    }
  });

/**
 * GitHub App installation tokens. The App id and private key are the integration's own write-only secrets (`appId` or
 * `clientId`, and `privateKey`); a connect without them is refused (400 `app_not_configured`): there is no install
 * callback and no operator-wide App, since an installation id is typed by the tenant and a shared App would mint for
 * any installation of it.
 */
export const githubAppAuthSchema = z
  .object({
    mode: z.literal('github_app'),
    /** `https://api.github.com/app/installations/{installation_id}/access_tokens`. */
    tokenUrl: endpointUrl.refine((u) => u.includes('{installation_id}'), 'the token URL carries {installation_id}'),
    tokenRequestHeaders: headers.optional(),
    refresh: mintedRefreshSchema,
  })
  .strict();

/** RFC 7523 JWT bearer (Google service accounts, Salesforce): an RS256 assertion signed with the connection's key. */
export const jwtBearerAuthSchema = z
  .object({
    mode: z.literal('jwt_bearer'),
    tokenUrl: endpointUrl,
    /** The assertion's `aud`; the token URL when absent. */
    audience: z.string().min(1).max(300).optional(),
    scopes: z.object({ default: z.array(scopeName).max(50), separator: z.enum([' ', ',']) }).strict(),
    /** Where the scopes go: an assertion claim (Google's `scope`), the token request's `scope`, or nowhere. */
    scopesIn: z.enum(['assertion', 'request', 'none']),
    /** The assertion's lifetime (Google allows at most 3600 s, Salesforce 3 minutes). */
    assertionLifetimeSeconds: z.number().int().min(30).max(3600),
    refresh: mintedRefreshSchema,
  })
  .strict();

/** The auth mode of an entry; new modes are new members here. */
export const authSchema = z.discriminatedUnion('mode', [
  oauth2AuthSchema,
  apiKeyAuthSchema,
  basicAuthSchema,
  clientCredentialsAuthSchema,
  githubAppAuthSchema,
  jwtBearerAuthSchema,
]);

/** Every auth mode; the static ones need no token endpoint and no refresh. */
export type AuthModeName = z.infer<typeof authSchema>['mode'];

const webhookSchemeNames = Object.keys(webhookSchemes) as [WebhookSchemeName, ...WebhookSchemeName[]];

export const providerEntrySchema = z
  .object({
    key: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a key is lowercase words joined by dashes'),
    name: z.string().min(1).max(60),
    description: z.string().min(1).max(200),
    color: z.string().regex(/^#[0-9A-Fa-f]{6}$/),
    auth: authSchema,
    templateParams: z.array(templateParamSchema).max(5).optional(),
    apiBaseUrl: endpointUrl.optional(),
    apiHeaders: headers.optional(),
    /** Provider quirks of the proxied API (connect-metadata.ts): token header, values captured at connect, per-account base. */
    apiAuthHeader: apiAuthHeaderSchema.optional(),
    connectMetadata: connectMetadataSchema.optional(),
    accountApiBaseUrl: accountApiBaseUrlSchema.optional(),
    /** The provider's own documentation of the facts in the entry. */
    docs: z.array(httpsUrl).min(1, 'cite the provider documentation the facts come from'),
    setupUrl: httpsUrl.optional(),
    webhook: z
      .object({
        scheme: z.enum(webhookSchemeNames),
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .max(50 * 1024 * 1024),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const declared = new Set((entry.templateParams ?? []).map((p) => p.name));
    if (declared.size !== (entry.templateParams ?? []).length) ctx.addIssue({ code: 'custom', path: ['templateParams'], message: 'duplicate parameter name' });
    const { auth } = entry;
    for (const issue of accountApiIssues(entry)) ctx.addIssue({ code: 'custom', ...issue });
    const urls: [string[], string | undefined][] = [[['apiBaseUrl'], entry.apiBaseUrl]];
    if (auth.mode === 'oauth2') {
      urls.push(
        [['auth', 'authorizationUrl'], auth.authorizationUrl],
        [['auth', 'tokenUrl'], auth.tokenUrl],
        [['auth', 'userinfoUrl'], auth.userinfoUrl],
        [['auth', 'revocation', 'url'], auth.revocation.url],
      );
    } else if (auth.mode !== 'api_key' && auth.mode !== 'basic') {
      urls.push([['auth', 'tokenUrl'], auth.mode === 'github_app' ? auth.tokenUrl.replace('{installation_id}', 'x') : auth.tokenUrl]);
    }
    // Static credentials are sent to the API base URL and checked against it: both need one.
    if ((auth.mode === 'api_key' || auth.mode === 'basic') && !entry.apiBaseUrl)
      ctx.addIssue({ code: 'custom', path: ['apiBaseUrl'], message: `the ${auth.mode} mode needs apiBaseUrl` });
    const used = new Set<string>();
    for (const [path, url] of urls) {
      for (const name of placeholdersOf(url ?? '')) {
        used.add(name);
        if (!declared.has(name)) ctx.addIssue({ code: 'custom', path, message: `{${name}} is not a declared template parameter` });
      }
    }
    for (const name of declared) if (!used.has(name)) ctx.addIssue({ code: 'custom', path: ['templateParams'], message: `${name} is used by no endpoint` });
    if (auth.mode !== 'oauth2') return;
    // Both OAuth endpoints sit on the same template: a code is never sent to another account's host.
    const a = placeholdersOf(auth.authorizationUrl).sort().join();
    const t = placeholdersOf(auth.tokenUrl).sort().join();
    if (a !== t)
      ctx.addIssue({ code: 'custom', path: ['auth', 'tokenUrl'], message: 'the token URL must use the same template parameters as the authorization URL' });
  });

export type ProviderEntry = z.infer<typeof providerEntrySchema>;
export type ProviderEntryInput = z.input<typeof providerEntrySchema>;
export type OAuth2Auth = z.infer<typeof oauth2AuthSchema>;
export type ApiKeyAuth = z.infer<typeof apiKeyAuthSchema>;
export type BasicAuth = z.infer<typeof basicAuthSchema>;
export type ClientCredentialsAuth = z.infer<typeof clientCredentialsAuthSchema>;
export type GithubAppAuth = z.infer<typeof githubAppAuthSchema>;
export type JwtBearerAuth = z.infer<typeof jwtBearerAuthSchema>;
/** The auth of an entry in a mode other than the authorization-code grant. */
export type NonOAuth2Auth = ApiKeyAuth | BasicAuth | ClientCredentialsAuth | GithubAppAuth | JwtBearerAuth;
export type Placement = z.infer<typeof placementSchema>;

/** A readable one-line reason for a rejected entry: `catalog entry "shopify": auth.tokenUrl: must be https…`. */
export function describeEntryError(key: string, error: z.ZodError): string {
  const issues = error.issues.map((issue) => `${issue.path.join('.') || '(entry)'}: ${issue.message}`);
  return `Invalid provider catalog entry "${key}": ${issues.join('; ')}`;
}

/** Parses an entry; throws an Error naming the entry and every failing field. */
export function parseEntry(input: unknown): ProviderEntry {
  const result = providerEntrySchema.safeParse(input);
  if (result.success) return result.data;
  const key = typeof (input as { key?: unknown })?.key === 'string' ? (input as { key: string }).key : '(no key)';
  throw new Error(describeEntryError(key, result.error));
}
