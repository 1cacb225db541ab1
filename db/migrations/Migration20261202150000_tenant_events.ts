import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant lifecycle events (docs/architecture.md "Tenant events"): the tenant's event endpoints, the events, one
 * delivery per (event, subscribed endpoint) written in the event's transaction, and every delivery attempt. A
 * statement-level trigger wakes the workers' event relays with one NOTIFY per insert statement on commit.
 */
export class Migration20261202150000_tenant_events extends Migration {
  override name = 'Migration20261202150000_tenant_events';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "event_endpoint" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "url" text not null, "description" text not null default '', "event_types" jsonb null, "secret" text not null, "previous_secret" text null, "previous_secret_expires_at" timestamptz null, "key_id" varchar(255) null, "disabled_at" timestamptz null, "disabled_reason" text null, "failing_since" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "event_endpoint_tenant_id_id_index" on "event_endpoint" ("tenant_id", "id");`);

    this.addSql(
      `create table "tenant_event" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "type" varchar(255) not null, "integration_id" varchar(255) null, "data" text not null, "key_id" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "tenant_event_tenant_id_created_at_index" on "tenant_event" ("tenant_id", "created_at");`);

    this.addSql(
      `create table "event_delivery" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "endpoint_id" varchar(255) not null, "event_id" varchar(255) not null, "event_type" varchar(255) not null, "seq" bigserial, "status" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz null, "last_attempt_at" timestamptz null, "last_status_code" int null, "last_error" text null, "delivered_at" timestamptz null, "dispatched_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "event_delivery_tenant_id_endpoint_id_created_at_id_index" on "event_delivery" ("tenant_id", "endpoint_id", "created_at", "id");`,
    );
    this.addSql(`create index "event_delivery_pending_index" on "event_delivery" ("endpoint_id", "next_attempt_at", "seq") where "status" = 'pending';`);
    this.addSql(`create index "event_delivery_undispatched_index" on "event_delivery" ("created_at") where "status" = 'pending' and "dispatched_at" is null;`);
    this.addSql(`alter table "event_delivery" add constraint "event_delivery_status_check" check ("status" in ('pending', 'delivered', 'failed'));`);

    this.addSql(
      `create table "event_delivery_attempt" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "delivery_id" varchar(255) not null, "endpoint_id" varchar(255) not null, "attempted_at" timestamptz not null, "status_code" int null, "latency_ms" int not null, "response_excerpt" text null, "error" text null, primary key ("id"));`,
    );
    this.addSql(`create index "event_delivery_attempt_tenant_id_delivery_id_id_index" on "event_delivery_attempt" ("tenant_id", "delivery_id", "id");`);

    this.addSql(
      `create function "plugboard_event_delivery_notify"() returns trigger language plpgsql as $$ begin perform pg_notify('plugboard_event_delivery', ''); return null; end $$;`,
    );
    this.addSql(
      `create trigger "event_delivery_notify" after insert on "event_delivery" for each statement execute function "plugboard_event_delivery_notify"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "event_delivery_notify" on "event_delivery";`);
    this.addSql(`drop function "plugboard_event_delivery_notify"();`);
    this.addSql(`drop table if exists "event_delivery_attempt" cascade;`);
    this.addSql(`drop table if exists "event_delivery" cascade;`);
    this.addSql(`drop table if exists "tenant_event" cascade;`);
    this.addSql(`drop table if exists "event_endpoint" cascade;`);
  }
}
