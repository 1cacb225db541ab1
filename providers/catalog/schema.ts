/**
 * The provider catalog as validated data (issue #15 item 2): the zod schema of one catalog entry's declarative
 * part. Behaviour that is code (sync hooks, push channels, webhook `appIdentity`, fetch) is attached to an entry by
 * key in providers/catalog/index.ts and is not part of the schema.
 *
 * `auth` is a discriminated union on `mode`: today only `oauth2` (the authorization-code grant). `api_key`,
 * `basic`, `oauth2_client_credentials`, `github_app` and `jwt_bearer` become further members of the union,
 * each with its own fields, without reshaping the entry around them.
 */
import { z } from 'zod';
import { webhookSchemes, type WebhookSchemeName } from '../../lib/webhooks/schemes/index.ts';

/** `{name}` in an endpoint: a value each connection supplies (templates.ts). */
export const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]{0,31})\}/g;

/**
 * Values a template parameter's pattern must refuse: anything that could move a URL to another host
 * (dots, slashes, userinfo, ports, query, fragment, percent-escapes, backslashes, whitespace) or be empty.
 */
export const HOSTILE_VALUES = ['', 'attacker.example', 'evil.com/', 'a/b', 'a@b', 'a:1', 'a?b', 'a#b', 'a%2eb', 'a\\b', 'a b', '..', 'a\nb'] as const;

const placeholdersOf = (value: string): string[] => [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!);

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
    // `{client_id}` is the one placeholder filled at call time (GitHub's revocation path), not a template parameter.
    if (/[{}]/.test(value.replace(PLACEHOLDER, '').replace('{client_id}', ''))) ctx.addIssue({ code: 'custom', message: `malformed placeholder in ${value}` });
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
    tokenRequestBody: z.enum(['form', 'json']),
    tokenRequestHeaders: headers.optional(),
    tokenParams: z.record(z.string().regex(/^[a-z_]+$/), z.string().max(100)).optional(),
    errorsWithHttp200: z.enum(['slack-ok-false', 'error-field']).optional(),
    alternateTokenPath: z.string().optional(),
    metadataFields: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
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

/** The auth mode of an entry; new modes are new members here. */
export const authSchema = z.discriminatedUnion('mode', [oauth2AuthSchema]);

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
    const urls: [string[], string | undefined][] = [
      [['auth', 'authorizationUrl'], entry.auth.authorizationUrl],
      [['auth', 'tokenUrl'], entry.auth.tokenUrl],
      [['auth', 'userinfoUrl'], entry.auth.userinfoUrl],
      [['auth', 'revocation', 'url'], entry.auth.revocation.url],
      [['apiBaseUrl'], entry.apiBaseUrl],
    ];
    const used = new Set<string>();
    for (const [path, url] of urls) {
      for (const name of placeholdersOf(url ?? '')) {
        used.add(name);
        if (!declared.has(name)) ctx.addIssue({ code: 'custom', path, message: `{${name}} is not a declared template parameter` });
      }
    }
    for (const name of declared) if (!used.has(name)) ctx.addIssue({ code: 'custom', path: ['templateParams'], message: `${name} is used by no endpoint` });
    // Both OAuth endpoints sit on the same template: a code is never sent to another account's host.
    const a = placeholdersOf(entry.auth.authorizationUrl).sort().join();
    const t = placeholdersOf(entry.auth.tokenUrl).sort().join();
    if (a !== t)
      ctx.addIssue({ code: 'custom', path: ['auth', 'tokenUrl'], message: 'the token URL must use the same template parameters as the authorization URL' });
  });

export type ProviderEntry = z.infer<typeof providerEntrySchema>;
export type ProviderEntryInput = z.input<typeof providerEntrySchema>;
export type OAuth2Auth = z.infer<typeof oauth2AuthSchema>;

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
