import { Migration } from '@mikro-orm/migrations';

/**
 * The refresh lease (issue 13, docs/architecture.md "Refresh lease"): which refresh attempt may present the
 * integration's refresh token, until when (the database's clock), and when a refresh last stored its tokens.
 */
export class Migration20261202160000_refresh_lease extends Migration {
  override name = 'Migration20261202160000_refresh_lease';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "integration" add "refresh_lease_holder" varchar(255) null, add "refresh_lease_expires_at" timestamptz null, add "refreshed_at" timestamptz null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "integration" drop column "refresh_lease_holder", drop column "refresh_lease_expires_at", drop column "refreshed_at";`);
  }
}
