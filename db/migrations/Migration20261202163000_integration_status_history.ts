import { Migration } from '@mikro-orm/migrations';

/**
 * The status history of each integration (docs/architecture.md "Integration uptime"): one row per status an
 * integration enters, written by a trigger on `integration` in the transaction that changes the status, so every
 * writer — the connection workflow's activities, the webhook path, the API — records its transitions without
 * doing anything. Time-weighted uptime (GET /api/v1/stats) is computed from it. Existing integrations get one row
 * with their current status at migration time: what came before is unknown and counts as no time at all.
 */
export class Migration20261202163000_integration_status_history extends Migration {
  override name = 'Migration20261202163000_integration_status_history';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "integration_status_change" ("id" bigserial primary key, "integration_id" varchar(255) not null, "status" text not null, "changed_at" timestamptz not null default clock_timestamp());`,
    );
    this.addSql(`create index "integration_status_change_integration_id_changed_at_index" on "integration_status_change" ("integration_id", "changed_at");`);
    this.addSql(
      `alter table "integration_status_change" add constraint "integration_status_change_integration_id_foreign" foreign key ("integration_id") references "integration" ("id") on delete cascade;`,
    );
    this.addSql(
      `create function "plugboard_integration_status_history"() returns trigger language plpgsql as $$ begin insert into "integration_status_change" ("integration_id", "status", "changed_at") values (new."id", new."status", clock_timestamp()); return null; end $$;`,
    );
    this.addSql(
      `create trigger "integration_status_created" after insert on "integration" for each row execute function "plugboard_integration_status_history"();`,
    );
    this.addSql(
      `create trigger "integration_status_changed" after update of "status" on "integration" for each row when (old."status" is distinct from new."status") execute function "plugboard_integration_status_history"();`,
    );
    this.addSql(`insert into "integration_status_change" ("integration_id", "status", "changed_at") select "id", "status", now() from "integration";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "integration_status_changed" on "integration";`);
    this.addSql(`drop trigger "integration_status_created" on "integration";`);
    this.addSql(`drop function "plugboard_integration_status_history"();`);
    this.addSql(`drop table if exists "integration_status_change" cascade;`);
  }
}
