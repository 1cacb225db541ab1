import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

export const API_KEY_SCOPES = ['full', 'read_only'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** API keys are shown once; only a SHA-256 hash is kept, looked up by its public prefix. */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('key')),
    tenantId: p.string().index(),
    name: p.string(),
    prefix: p.string().unique(),
    hash: p.string().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    /** `read_only` keys act as a viewer, `full` ones as an admin (api/authorization.ts). */
    scope: p.enum(API_KEY_SCOPES).default('full'),
  },
});
export type ApiKey = InferEntity<typeof ApiKey>;
