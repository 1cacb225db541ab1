import { Migration } from '@mikro-orm/migrations';

/**
 * Retention (docs/operations.md "Retention") deletes a tenant event once no delivery of it is left: with this index
 * that check is one lookup per event, where without it each would scan `event_delivery`. The other deletes use
 * indexes that exist (`webhook_event (status, created_at)`, `unrouted_webhook_event (created_at)`, the primary keys,
 * `event_delivery_attempt (tenant_id, delivery_id, id)`). `if not exists`: on a large table an operator can build it
 * beforehand, without blocking writes, with `create index concurrently` under the same name.
 */
export class Migration20261205100000_retention extends Migration {
  override name = 'Migration20261205100000_retention';

  override up(): void | Promise<void> {
    this.addSql(`create index if not exists "event_delivery_event_id_index" on "event_delivery" ("event_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "event_delivery_event_id_index";`);
  }
}
