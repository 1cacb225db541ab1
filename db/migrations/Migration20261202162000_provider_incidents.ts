import { Migration } from '@mikro-orm/migrations';

/**
 * Provider incidents (docs/architecture.md "Provider incidents"): the recent refresh and proxy outcome of each
 * integration that failed lately (one row per integration, pruned once its failure leaves the window), and the
 * incidents, at most one open per provider scope (a unique partial index).
 */
export class Migration20261202162000_provider_incidents extends Migration {
  override name = 'Migration20261202162000_provider_incidents';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "provider_health" ("integration_id" varchar(255) not null, "tenant_id" varchar(255) not null, "scope" varchar(255) not null, "last_failure_at" timestamptz not null, "last_failure_kind" varchar(255) not null, "last_failure_reason" text not null, "last_success_at" timestamptz null, primary key ("integration_id"));`,
    );
    this.addSql(`create index "provider_health_scope_last_failure_at_index" on "provider_health" ("scope", "last_failure_at");`);
    this.addSql(
      `alter table "provider_health" add constraint "provider_health_integration_id_foreign" foreign key ("integration_id") references "integration" ("id") on delete cascade;`,
    );

    this.addSql(
      `create table "provider_incident" ("id" varchar(255) not null, "scope" varchar(255) not null, "provider" varchar(255) not null, "tenant_id" varchar(255) null, "reason" text not null, "failing_integrations" int not null, "total_integrations" int not null, "peak_failure_percent" int not null, "failure_percent" int not null, "below_since" timestamptz null, "started_at" timestamptz not null, "resolved_at" timestamptz null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create unique index "provider_incident_open_unique" on "provider_incident" ("scope") where "resolved_at" is null;`);
    this.addSql(`create index "provider_incident_provider_started_at_index" on "provider_incident" ("provider", "started_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "provider_incident" cascade;`);
    this.addSql(`drop table if exists "provider_health" cascade;`);
  }
}
