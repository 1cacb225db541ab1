import { Migration } from '@mikro-orm/migrations';

/**
 * Batched webhook processing: each `webhooks:<integrationId>` workflow reads its integration's pending events
 * in arrival order — `seq`, since ids are random and timestamps tie — so that read gets a partial index of its own; `attempt_limit` is the delivery attempt at
 * which a failing event is given up (a manual retry raises it: attempts keep counting across retries).
 */
export class Migration20261202120000_webhook_batches extends Migration {
  override name = 'Migration20261202120000_webhook_batches';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhook_event" add "attempt_limit" int not null default 6;`);
    this.addSql(`alter table "webhook_event" add "seq" bigserial;`);
    this.addSql(`create index "webhook_event_pending_per_integration_index" on "webhook_event" ("integration_id", "seq") where "status" = 'pending';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "webhook_event_pending_per_integration_index";`);
    this.addSql(`alter table "webhook_event" drop column "attempt_limit";`);
    this.addSql(`alter table "webhook_event" drop column "seq";`);
  }
}
