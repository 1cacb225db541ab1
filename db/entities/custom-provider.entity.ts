import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/** A tenant-defined OAuth 2.0 / OIDC provider. Two providers of a tenant may not share an issuer (RFC 9207 §4). */
export const CustomProvider = defineEntity({
  name: 'CustomProvider',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('prv')),
    tenantId: p.string(),
    key: p.string(),
    name: p.string(),
    issuer: p.text().nullable(),
    authorizationUrl: p.text(),
    tokenUrl: p.text(),
    revocationUrl: p.text().nullable(),
    scopes: p.json<string[]>(),
    pkce: p.enum(['S256', 'none'] as const).default('S256'),
    clientAuth: p.enum(['client_secret_basic', 'client_secret_post'] as const).default('client_secret_basic'),
    issParameterSupported: p.boolean().default(false),
    /** Send `prompt=consent` (discovery lists it in `prompt_values_supported`, or the tenant asked for it). */
    consentPrompt: p.boolean().default(false),
    clientId: p.string().nullable(),
    clientSecret: p.text().nullable().hidden(),
    keyId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['tenantId', 'key'] }, { properties: ['tenantId', 'issuer'] }],
});
export type CustomProvider = InferEntity<typeof CustomProvider>;
