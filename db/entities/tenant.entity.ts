import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

export const Tenant = defineEntity({
  name: 'Tenant',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('ten')),
    name: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Tenant = InferEntity<typeof Tenant>;
