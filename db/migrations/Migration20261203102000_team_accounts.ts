import { Migration } from '@mikro-orm/migrations';

/**
 * Team accounts (docs/architecture.md "Team accounts"): users, their single-sign-on identities, tenant memberships
 * with a role, invitations, server-held sessions, pending single-sign-on flows and the audit trail; API keys gain a
 * scope (existing keys keep full access). E-mail addresses are stored lower-cased, so their unique index is
 * case-insensitive.
 */
export class Migration20261203102000_team_accounts extends Migration {
  override name = 'Migration20261203102000_team_accounts';

  override up(): void | Promise<void> {
    this.addSql(`alter table "api_key" add column "scope" text check ("scope" in ('full', 'read_only')) not null default 'full';`);

    this.addSql(
      `create table "app_user" ("id" varchar(255) not null, "email" varchar(255) not null, "name" varchar(255) not null, "password_hash" text null, "failed_logins" int not null default 0, "locked_until" timestamptz null, "created_at" timestamptz not null, constraint "app_user_pkey" primary key ("id"), constraint "app_user_email_lower_check" check ("email" = lower("email")));`,
    );
    this.addSql(`alter table "app_user" add constraint "app_user_email_unique" unique ("email");`);

    this.addSql(
      `create table "user_identity" ("id" bigserial primary key, "user_id" varchar(255) not null, "issuer" varchar(255) not null, "subject" varchar(255) not null, "created_at" timestamptz not null);`,
    );
    this.addSql(`create index "user_identity_user_id_index" on "user_identity" ("user_id");`);
    this.addSql(`alter table "user_identity" add constraint "user_identity_issuer_subject_unique" unique ("issuer", "subject");`);
    this.addSql(
      `alter table "user_identity" add constraint "user_identity_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on delete cascade;`,
    );

    this.addSql(
      `create table "membership" ("tenant_id" varchar(255) not null, "user_id" varchar(255) not null, "role" text check ("role" in ('viewer', 'admin', 'owner')) not null, "created_at" timestamptz not null, constraint "membership_pkey" primary key ("tenant_id", "user_id"));`,
    );
    this.addSql(`create index "membership_user_id_index" on "membership" ("user_id");`);
    this.addSql(
      `alter table "membership" add constraint "membership_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(`alter table "membership" add constraint "membership_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on delete cascade;`);

    this.addSql(
      `create table "invitation" ("id" varchar(255) not null, "tenant_id" varchar(255) not null, "email" varchar(255) not null, "role" text check ("role" in ('viewer', 'admin', 'owner')) not null, "token_hash" varchar(255) not null, "invited_by" varchar(255) null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, "revoked_at" timestamptz null, constraint "invitation_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "invitation" add constraint "invitation_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "invitation_tenant_id_created_at_index" on "invitation" ("tenant_id", "created_at");`);
    this.addSql(
      `alter table "invitation" add constraint "invitation_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );

    this.addSql(
      `create table "user_session" ("id" varchar(255) not null, "user_id" varchar(255) not null, "token_hash" varchar(255) not null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "ip" varchar(255) null, "user_agent" text null, constraint "user_session_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "user_session_user_id_index" on "user_session" ("user_id");`);
    this.addSql(`alter table "user_session" add constraint "user_session_token_hash_unique" unique ("token_hash");`);
    this.addSql(
      `alter table "user_session" add constraint "user_session_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on delete cascade;`,
    );

    this.addSql(
      `create table "sso_flow" ("id" varchar(255) not null, "state" varchar(255) not null, "nonce" varchar(255) not null, "code_verifier" varchar(255) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, constraint "sso_flow_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "audit_entry" ("id" varchar(255) not null, "tenant_id" varchar(255) null, "at" timestamptz not null, "actor_type" text check ("actor_type" in ('user', 'api_key', 'system')) not null, "actor_id" varchar(255) null, "actor_label" varchar(255) null, "action" varchar(255) not null, "target_type" varchar(255) null, "target_id" varchar(255) null, "ip" varchar(255) null, "user_agent" text null, "details" jsonb null, constraint "audit_entry_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "audit_entry_tenant_id_id_index" on "audit_entry" ("tenant_id", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_entry" cascade;`);
    this.addSql(`drop table if exists "sso_flow" cascade;`);
    this.addSql(`drop table if exists "user_session" cascade;`);
    this.addSql(`drop table if exists "invitation" cascade;`);
    this.addSql(`drop table if exists "membership" cascade;`);
    this.addSql(`drop table if exists "user_identity" cascade;`);
    this.addSql(`drop table if exists "app_user" cascade;`);
    this.addSql(`alter table "api_key" drop column "scope";`);
  }
}
