import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000000_initial extends Migration {
  override name = 'Migration20261126000000_initial';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "api_key" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "name" varchar(255) not null, "prefix" varchar(255) not null, "hash" varchar(255) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "api_key_tenant_id_index" on "api_key" ("tenant_id");`);
    this.addSql(`alter table "api_key" add constraint "api_key_prefix_unique" unique ("prefix");`);

    this.addSql(
      `create table "custom_provider" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "key" varchar(255) not null, "name" varchar(255) not null, "issuer" text null, "authorization_url" text not null, "token_url" text not null, "revocation_url" text null, "scopes" jsonb not null, "pkce" text not null default 'S256', "client_auth" text not null default 'client_secret_basic', "iss_parameter_supported" boolean not null default false, "client_id" varchar(255) null, "client_secret" text null, "key_id" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "custom_provider" add constraint "custom_provider_tenant_id_key_unique" unique ("tenant_id", "key");`);
    this.addSql(`alter table "custom_provider" add constraint "custom_provider_tenant_id_issuer_unique" unique ("tenant_id", "issuer");`);

    this.addSql(
      `create table "encryption_key" ("kid" varchar(255) not null, "check_value" varchar(255) not null, "created_at" timestamptz not null, primary key ("kid"));`,
    );

    this.addSql(
      `create table "integration" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "provider" varchar(255) not null, "display_name" varchar(255) null, "status" text not null default 'pending', "settings" jsonb not null, "credentials" text null, "secrets" text null, "key_id" varchar(255) null, "token_expires_at" timestamptz null, "scopes" jsonb null, "external_account_id" varchar(255) null, "last_sync" timestamptz null, "last_error" text null, "error_count" int not null default 0, "workflow_id" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "integration_tenant_id_status_index" on "integration" ("tenant_id", "status");`);
    this.addSql(`create index "integration_provider_external_account_id_index" on "integration" ("provider", "external_account_id");`);
    this.addSql(`create index "integration_key_id_index" on "integration" ("key_id");`);
    this.addSql(`alter table "integration" add constraint "integration_tenant_id_provider_unique" unique ("tenant_id", "provider");`);

    this.addSql(
      `create table "integration_log" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "integration_id" varchar(255) not null, "kind" varchar(255) not null, "level" text not null default 'info', "message" text not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "integration_log_tenant_id_integration_id_id_index" on "integration_log" ("tenant_id", "integration_id", "id");`);

    this.addSql(
      `create table "oauth_flow" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "integration_id" varchar(255) not null, "provider" varchar(255) not null, "connect_token_hash" varchar(255) not null, "state_hash" varchar(255) null, "pkce_verifier" text null, "key_id" varchar(255) null, "expected_issuer" text null, "redirect_uri" text not null, "return_to" text not null, "scopes" jsonb not null, "browser_binding_hash" varchar(255) null, "callback_params" text null, "opened_at" timestamptz null, "expires_at" timestamptz not null, "used_at" timestamptz null, "outcome" varchar(255) null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "oauth_flow_integration_id_index" on "oauth_flow" ("integration_id");`);
    this.addSql(`alter table "oauth_flow" add constraint "oauth_flow_connect_token_hash_unique" unique ("connect_token_hash");`);
    this.addSql(`alter table "oauth_flow" add constraint "oauth_flow_state_hash_unique" unique ("state_hash");`);

    this.addSql(`create table "tenant" ("id" varchar(255) not null, "name" varchar(255) not null, "created_at" timestamptz not null, primary key ("id"));`);

    this.addSql(
      `create table "webhook_event" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "integration_id" varchar(255) not null, "provider" varchar(255) not null, "event_type" varchar(255) not null, "delivery_id" varchar(255) not null, "payload" text not null, "status" text not null default 'pending', "attempts" int not null default 0, "last_attempt_at" timestamptz null, "processed_at" timestamptz null, "error_message" text null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "webhook_event_tenant_id_integration_id_id_index" on "webhook_event" ("tenant_id", "integration_id", "id");`);
    this.addSql(`create index "webhook_event_tenant_id_status_id_index" on "webhook_event" ("tenant_id", "status", "id");`);
    this.addSql(`create index "webhook_event_status_created_at_index" on "webhook_event" ("status", "created_at");`);
    this.addSql(`alter table "webhook_event" add constraint "webhook_event_integration_id_delivery_id_unique" unique ("integration_id", "delivery_id");`);

    this.addSql(`alter table "custom_provider" add constraint "custom_provider_pkce_check" check ("pkce" in ('S256', 'none'));`);
    this.addSql(
      `alter table "custom_provider" add constraint "custom_provider_client_auth_check" check ("client_auth" in ('client_secret_basic', 'client_secret_post'));`,
    );

    this.addSql(`alter table "integration" add constraint "integration_status_check" check ("status" in ('pending', 'active', 'error', 'disconnected'));`);

    this.addSql(`alter table "integration_log" add constraint "integration_log_level_check" check ("level" in ('info', 'warn', 'error'));`);

    this.addSql(`alter table "webhook_event" add constraint "webhook_event_status_check" check ("status" in ('pending', 'processed', 'failed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_key" cascade;`);
    this.addSql(`drop table if exists "custom_provider" cascade;`);
    this.addSql(`drop table if exists "encryption_key" cascade;`);
    this.addSql(`drop table if exists "integration" cascade;`);
    this.addSql(`drop table if exists "integration_log" cascade;`);
    this.addSql(`drop table if exists "oauth_flow" cascade;`);
    this.addSql(`drop table if exists "tenant" cascade;`);
    this.addSql(`drop table if exists "webhook_event" cascade;`);
  }
}
