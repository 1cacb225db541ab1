import { Migration } from '@mikro-orm/migrations';

/**
 * App-level webhook routing by (provider, app, account): the OAuth app an integration connected through and,
 * for GitHub Apps, its installation — both set at connect. Verified deliveries that match no integration are
 * kept apart as unrouted, never processed.
 */
export class Migration20261202110000_webhook_app_routing extends Migration {
  override name = 'Migration20261202110000_webhook_app_routing';

  override up(): void | Promise<void> {
    this.addSql(`alter table "integration" add "oauth_app_id" varchar(255) null, add "external_installation_id" varchar(255) null;`);
    this.addSql(
      `create index "integration_provider_oauth_app_id_external_account_id_index" on "integration" ("provider", "oauth_app_id", "external_account_id");`,
    );
    this.addSql(`create index "integration_provider_external_installation_id_index" on "integration" ("provider", "external_installation_id");`);
    this.addSql(
      `create table "unrouted_webhook_event" ("id" varchar(255) not null, "provider" varchar(255) not null, "event_type" varchar(255) not null, "delivery_id" varchar(255) not null, "account_id" varchar(255) null, "app_id" varchar(255) null, "payload" text not null, "key_id" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "unrouted_webhook_event" add constraint "unrouted_webhook_event_provider_delivery_id_unique" unique ("provider", "delivery_id");`);
    this.addSql(`create index "unrouted_webhook_event_created_at_index" on "unrouted_webhook_event" ("created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table "unrouted_webhook_event";`);
    this.addSql(`drop index "integration_provider_external_installation_id_index";`);
    this.addSql(`drop index "integration_provider_oauth_app_id_external_account_id_index";`);
    this.addSql(`alter table "integration" drop column "oauth_app_id", drop column "external_installation_id";`);
  }
}
