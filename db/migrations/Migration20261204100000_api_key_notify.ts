import { Migration } from '@mikro-orm/migrations';

/**
 * API processes keep valid API keys in memory (api/middleware/api-key-auth.ts). This trigger tells them, on commit,
 * which key changed in a way that matters to authentication — revoked, its scope, name, tenant or secret changed —
 * or was deleted (a tenant's deletion cascades here): one NOTIFY on `plugboard_api_key_changed` with the key id.
 * `last_used_at` bookkeeping sends nothing.
 */
export class Migration20261204100000_api_key_notify extends Migration {
  override name = 'Migration20261204100000_api_key_notify';

  override up(): void | Promise<void> {
    this.addSql(
      `create function "plugboard_api_key_notify"() returns trigger language plpgsql as $$ begin perform pg_notify('plugboard_api_key_changed', old.id::text); return null; end $$;`,
    );
    this.addSql(
      `create trigger "api_key_changed" after update of "revoked_at", "scope", "name", "tenant_id", "hash", "prefix" on "api_key" for each row when (old."revoked_at" is distinct from new."revoked_at" or old."scope" is distinct from new."scope" or old."name" is distinct from new."name" or old."tenant_id" is distinct from new."tenant_id" or old."hash" is distinct from new."hash" or old."prefix" is distinct from new."prefix") execute function "plugboard_api_key_notify"();`,
    );
    this.addSql(`create trigger "api_key_deleted" after delete on "api_key" for each row execute function "plugboard_api_key_notify"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "api_key_deleted" on "api_key";`);
    this.addSql(`drop trigger "api_key_changed" on "api_key";`);
    this.addSql(`drop function "plugboard_api_key_notify"();`);
  }
}
