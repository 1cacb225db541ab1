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
    /** Branding of the connect page: the name people see there (default `name`), an https logo, a `#rrggbb` accent. */
    brandDisplayName: p.string().nullable(),
    brandLogoUrl: p.text().nullable(),
    brandAccentColor: p.string().length(7).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Tenant = InferEntity<typeof Tenant>;
