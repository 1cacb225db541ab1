/**
 * Provider quirks of the API a connection calls through the proxy (issue #15 item 2), as catalog data:
 *
 * - `apiAuthHeader`: where the access token goes on an API call when it is not `Authorization: Bearer <token>`
 *   (Shopify's Admin API wants `X-Shopify-Access-Token: <token>`).
 * - `connectMetadata`: non-secret values read once at connect and kept in the integration's
 *   `settings.providerMetadata` — from the authorization response's query (QuickBooks `realmId`), the userinfo answer
 *   the exchange reads anyway (Mailchimp's data centre `dc`), or one GET with the new token (Xero's tenants at
 *   `/connections`, Atlassian's `accessible-resources`) made after the tokens are saved. Token-response fields are
 *   `auth.metadataFields`. An item may name a `header` the proxy sends the value in (Xero's `xero-tenant-id`) unless
 *   the caller sets that header itself.
 * - `accountApiBaseUrl`: the API base once those values are known (`https://{dc}.api.mailchimp.com/3.0`,
 *   `…/v3/company/{realmId}`); its `{placeholders}` are connectMetadata names, each a whole host label or a whole
 *   path segment. Until they are captured, `apiBaseUrl` (if any) is used.
 *
 * A captured value is at most 128 letters, digits and inner dashes (no '.', '/', '%', '@', ':'), checked when it is
 * read and again when it is used, so a value can neither move the request to another host nor leave its segment.
 */
import { z } from 'zod';
import { pick } from '../../lib/oauth/tokens.ts';
import type { ProviderDefinition } from '../types.ts';
import { PLACEHOLDER, placeholdersOf } from './placeholder.ts';

/** What a captured value may be: one host label or path segment, never anything that ends one. */
export const METADATA_VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,126}[A-Za-z0-9])?$/;

const printable = z
  .string()
  .max(40)
  .regex(/^[\x20-\x7e]*$/, 'printable ASCII');

/** `{ name: 'X-Shopify-Access-Token', prefix: '' }`; the default is `{ name: 'Authorization', prefix: 'Bearer ' }`. */
export const apiAuthHeaderSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name')
      .refine((n) => !['host', 'cookie', 'content-length', 'transfer-encoding'].includes(n.toLowerCase()), 'not a header for a credential'),
    prefix: printable,
  })
  .strict();

const httpsNoTemplate = z
  .url({ protocol: /^https$/ })
  .max(500)
  .refine((u) => !/[{}]/.test(u), 'a fixed URL (no placeholders)');

export const connectMetadataItemSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,31}$/, 'a placeholder name'),
    /**
     * `callback`: a query parameter of the authorization response; `userinfo`, `request`: a dotted path into that JSON
     * answer. (A token-response field is `auth.metadataFields`.)
     */
    from: z.enum(['callback', 'userinfo', 'request']),
    path: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_.-]+$/, 'a parameter name or dotted path'),
    /** The GET (with the new access token) for `from: 'request'`. */
    url: httpsNoTemplate.optional(),
    /** A header the proxy sends the value in. */
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name')
      .optional(),
  })
  .strict()
  .refine((item) => (item.from === 'request') === (item.url !== undefined), { message: 'a url is given exactly for from: request' });

export const connectMetadataSchema = z.array(connectMetadataItemSchema).min(1).max(5);

/** An https URL whose `{placeholders}` are whole host labels or whole path segments (checked against names below). */
export const accountApiBaseUrlSchema = z
  .string()
  .max(500)
  .superRefine((value, ctx) => {
    const probe = value.replace(PLACEHOLDER, 'x');
    if (!URL.canParse(probe)) return void ctx.addIssue({ code: 'custom', message: `not a URL: ${value}` });
    const url = new URL(probe);
    if (url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must be https (REQ-20): ${value}` });
    if (url.username || url.password || url.port || url.search || url.hash)
      ctx.addIssue({ code: 'custom', message: `no credentials, port, query or fragment: ${value}` });
    const [, authority = '', path = ''] = /^https:\/\/([^/?#]*)(.*)$/.exec(value) ?? [];
    const whole = (parts: string[]) => parts.every((part) => !part.includes('{') || /^\{[A-Za-z][A-Za-z0-9]{0,31}\}$/.test(part));
    if (!whole(authority.split('.')) || !whole(path.split('/')))
      ctx.addIssue({ code: 'custom', message: `a placeholder is a whole host label or path segment: ${value}` });
  });

export type ApiAuthHeader = z.infer<typeof apiAuthHeaderSchema>;
export type ConnectMetadataItem = z.infer<typeof connectMetadataItemSchema>;

/** Cross-field checks of an entry's quirk fields: every placeholder captured, one request at most, userinfo needs a URL. */
export function accountApiIssues(entry: {
  accountApiBaseUrl?: string;
  connectMetadata?: ConnectMetadataItem[];
  auth: { mode: string; userinfoUrl?: string };
}): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const items = entry.connectMetadata ?? [];
  const names = items.map((i) => i.name);
  if (new Set(names).size !== names.length) issues.push({ path: ['connectMetadata'], message: 'duplicate name' });
  if (items.filter((i) => i.from === 'request').length > 1) issues.push({ path: ['connectMetadata'], message: 'at most one request' });
  items.forEach((item, i) => {
    if ((item.from === 'userinfo' || item.from === 'callback') && entry.auth.mode !== 'oauth2')
      issues.push({ path: ['connectMetadata', i, 'from'], message: `${item.from} needs the oauth2 mode` });
    if (item.from === 'userinfo' && !entry.auth.userinfoUrl) issues.push({ path: ['connectMetadata', i, 'from'], message: 'needs auth.userinfoUrl' });
  });
  for (const name of placeholdersOf(entry.accountApiBaseUrl ?? '')) {
    if (!names.includes(name)) issues.push({ path: ['accountApiBaseUrl'], message: `{${name}} is not a connectMetadata name` });
  }
  return issues;
}

const usable = (value: unknown): string | undefined => {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && METADATA_VALUE.test(text) ? text : undefined;
};

/** Whether the exchange should read the userinfo answer for connect metadata (normalizeTokenResponse's `wantUserinfo`). */
export const needsUserinfo = (def: Pick<ProviderDefinition, 'connectMetadata'>): boolean =>
  (def.connectMetadata ?? []).some((item) => item.from === 'userinfo');

/**
 * The connectMetadata values the exchange's own answers carry (the authorization response's query, the userinfo
 * answer normalizeTokenResponse read): no request of their own, so they are saved with the tokens.
 */
export function connectMetadataFromAnswers(
  def: Pick<ProviderDefinition, 'connectMetadata'>,
  answers: { callbackParams?: URLSearchParams; userinfo?: unknown },
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const item of def.connectMetadata ?? []) {
    const raw =
      item.from === 'callback'
        ? (answers.callbackParams?.get(item.path) ?? undefined)
        : item.from === 'userinfo'
          ? pick(answers.userinfo, item.path)
          : undefined;
    const value = usable(raw);
    if (value !== undefined) values[item.name] = value;
  }
  return values;
}

/** How long the one metadata GET may take: it runs after the tokens are saved, but a connect waits for it. */
export const METADATA_REQUEST_TIMEOUT_MS = 5_000;

/**
 * The `request` values (one GET with the new access token: Xero's /connections, Atlassian's accessible-resources).
 * Made only after the tokens are saved (connection.activities.ts): a slow or failed answer never costs the code's
 * tokens. A value that is missing, malformed or whose request failed is left out.
 */
export async function requestConnectMetadata(
  def: Pick<ProviderDefinition, 'connectMetadata'>,
  ctx: { accessToken: string; fetchImpl?: typeof fetch },
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const item of def.connectMetadata ?? []) {
    if (item.from !== 'request' || !item.url) continue;
    const answer = await (ctx.fetchImpl ?? fetch)(item.url, {
      headers: { authorization: `Bearer ${ctx.accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(METADATA_REQUEST_TIMEOUT_MS),
      redirect: 'error',
    })
      .then((r) => (r.ok ? r.json() : undefined))
      .catch(() => undefined);
    const value = usable(pick(answer, item.path));
    if (value !== undefined) values[item.name] = value;
  }
  return values;
}

/** The connectMetadata names still missing from `values` (said in the integration's log). */
export const missingConnectMetadata = (def: Pick<ProviderDefinition, 'connectMetadata'>, values: Readonly<Record<string, unknown>>): string[] =>
  (def.connectMetadata ?? []).filter((item) => usable(values[item.name]) === undefined).map((item) => item.name);

const metadataOf = (settings: Readonly<Record<string, unknown>>): Record<string, unknown> => (settings.providerMetadata ?? {}) as Record<string, unknown>;

/**
 * `accountApiBaseUrl` filled from the integration's captured values, or undefined while one is missing or unusable.
 * The resolved host must be the template's host with the values in (a value never moves the request elsewhere).
 */
export function accountApiBase(def: Pick<ProviderDefinition, 'accountApiBaseUrl'>, settings: Readonly<Record<string, unknown>>): string | undefined {
  const template = def.accountApiBaseUrl;
  if (!template) return undefined;
  const meta = metadataOf(settings);
  let missing = false;
  const fill = (s: string) =>
    s.replace(PLACEHOLDER, (_, name: string) => {
      const value = usable(meta[name]);
      if (value === undefined) missing = true;
      return value ?? '';
    });
  const resolved = fill(template);
  if (missing || !URL.canParse(resolved)) return undefined;
  const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(template)?.[1] ?? '';
  return new URL(resolved).host === fill(authority).toLowerCase() ? resolved : undefined;
}

/** Headers the proxy sends from captured values (`header` of a connectMetadata item), for values that are usable. */
export function accountApiHeaders(def: Pick<ProviderDefinition, 'connectMetadata'>, settings: Readonly<Record<string, unknown>>): Record<string, string> {
  const meta = metadataOf(settings);
  const headers: Record<string, string> = {};
  for (const item of def.connectMetadata ?? []) {
    const value = usable(meta[item.name]);
    if (item.header && value !== undefined) headers[item.header] = value;
  }
  return headers;
}

/** The header and value the proxy presents an access token in (default `Authorization: Bearer <token>`). */
export function apiAuthorization(def: Pick<ProviderDefinition, 'apiAuthHeader'>, accessToken: string): [name: string, value: string] {
  const header = def.apiAuthHeader ?? { name: 'Authorization', prefix: 'Bearer ' };
  return [header.name.toLowerCase(), `${header.prefix}${accessToken}`];
}
