import { Migration } from '@mikro-orm/migrations';

/**
 * When an integration's refresh token stops working, where the provider's token response, its documentation or the
 * tenant states it (issue 13 item 5): the API and the dashboard show when reauthorization is due, and warnings
 * ahead of it read this column.
 */
export class Migration20261202130000_refresh_token_expiry extends Migration {
  override name = 'Migration20261202130000_refresh_token_expiry';

  override up(): void | Promise<void> {
    this.addSql(`alter table "integration" add "refresh_token_expires_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "integration" drop column "refresh_token_expires_at";`);
  }
}
