import { Migration } from '@mikro-orm/migrations';

export class Migration20261126010000_sync extends Migration {
  override name = 'Migration20261126010000_sync';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "sync_record" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "integration_id" varchar(255) not null, "model" varchar(255) not null, "external_id" varchar(255) not null, "data" jsonb not null, "content_hash" varchar(255) not null, "updated_at" timestamptz null, "deleted_at" timestamptz null, "created_at" timestamptz not null, "changed_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "sync_record_tenant_id_integration_id_model_changed_at_id_index" on "sync_record" ("tenant_id", "integration_id", "model", "changed_at", "id");`,
    );
    this.addSql(
      `alter table "sync_record" add constraint "sync_record_integration_id_model_external_id_unique" unique ("integration_id", "model", "external_id");`,
    );

    this.addSql(`alter table "integration" add "sync_state" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "sync_record" cascade;`);

    this.addSql(`alter table "integration" drop column "sync_state";`);
  }
}
