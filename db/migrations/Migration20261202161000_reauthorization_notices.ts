import { Migration } from '@mikro-orm/migrations';

/**
 * `integration.reauthorization_due` thresholds reached (docs/architecture.md "Tenant events"): one row per
 * integration and threshold, written with the event, so the periodic sweep sends each once per grant; a reconnect
 * deletes them.
 */
export class Migration20261202161000_reauthorization_notices extends Migration {
  override name = 'Migration20261202161000_reauthorization_notices';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "reauthorization_notice" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "integration_id" varchar(255) not null, "threshold_days" int not null, "refresh_token_expires_at" timestamptz not null, "event_id" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "reauthorization_notice" add constraint "reauthorization_notice_integration_id_threshold_days_unique" unique ("integration_id", "threshold_days");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "reauthorization_notice" cascade;`);
  }
}
