import { Migration } from '@mikro-orm/migrations';

/**
 * API processes keep the encrypted token row of busy integrations in memory (api/token-cache.ts). This trigger
 * tells them, on commit, which integration's tokens or status changed or which was deleted: one NOTIFY per
 * such row on `plugboard_integration_changed`, with the integration id as the payload. Updates that touch
 * neither column (a webhook or sync timestamp) send nothing.
 */
export class Migration20261202140000_integration_notify extends Migration {
  override name = 'Migration20261202140000_integration_notify';

  override up(): void | Promise<void> {
    this.addSql(
      `create function "plugboard_integration_notify"() returns trigger language plpgsql as $$ begin perform pg_notify('plugboard_integration_changed', old.id::text); return null; end $$;`,
    );
    this.addSql(
      `create trigger "integration_tokens_changed" after update of "credentials", "status", "tenant_id" on "integration" for each row when (old."credentials" is distinct from new."credentials" or old."status" is distinct from new."status" or old."tenant_id" is distinct from new."tenant_id") execute function "plugboard_integration_notify"();`,
    );
    this.addSql(`create trigger "integration_deleted" after delete on "integration" for each row execute function "plugboard_integration_notify"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "integration_deleted" on "integration";`);
    this.addSql(`drop trigger "integration_tokens_changed" on "integration";`);
    this.addSql(`drop function "plugboard_integration_notify"();`);
  }
}
