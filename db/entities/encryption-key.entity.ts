import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

/** Key check values: a process refuses to start when its key for a known id differs (docs/security.md D.1). */
export const EncryptionKey = defineEntity({
  name: 'EncryptionKey',
  properties: {
    kid: p.string().primary(),
    checkValue: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type EncryptionKey = InferEntity<typeof EncryptionKey>;
