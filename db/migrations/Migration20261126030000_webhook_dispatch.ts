import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook dispatch as a transactional outbox (docs/architecture.md): the ingest path only inserts; dispatchers in
 * the worker processes claim undispatched events and start their workflows. A statement-level trigger
 * wakes them with one NOTIFY per insert statement (delivered on commit, so never before the row exists).
 */
export class Migration20261126030000_webhook_dispatch extends Migration {
  override name = 'Migration20261126030000_webhook_dispatch';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhook_event" add "dispatched_at" timestamptz null;`);
    this.addSql(`create index "webhook_event_undispatched_index" on "webhook_event" ("created_at") where "status" = 'pending' and "dispatched_at" is null;`);
    this.addSql(
      `create function "plugboard_webhook_event_notify"() returns trigger language plpgsql as $$ begin perform pg_notify('plugboard_webhook_event', ''); return null; end $$;`,
    );
    this.addSql(
      `create trigger "webhook_event_notify" after insert on "webhook_event" for each statement execute function "plugboard_webhook_event_notify"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "webhook_event_notify" on "webhook_event";`);
    this.addSql(`drop function "plugboard_webhook_event_notify"();`);
    this.addSql(`drop index "webhook_event_undispatched_index";`);
    this.addSql(`alter table "webhook_event" drop column "dispatched_at";`);
  }
}
