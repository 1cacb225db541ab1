import { Migration } from '@mikro-orm/migrations';

/**
 * The connect page: tenant branding shown on it (display name, https logo, accent colour), and whether a
 * custom provider is sent `prompt=consent`.
 */
export class Migration20261202100000_connect_page extends Migration {
  override name = 'Migration20261202100000_connect_page';

  override up(): void | Promise<void> {
    this.addSql(`alter table "tenant" add "brand_display_name" varchar(255) null, add "brand_logo_url" text null, add "brand_accent_color" varchar(7) null;`);
    this.addSql(`alter table "custom_provider" add "consent_prompt" boolean not null default false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "custom_provider" drop column "consent_prompt";`);
    this.addSql(`alter table "tenant" drop column "brand_display_name", drop column "brand_logo_url", drop column "brand_accent_color";`);
  }
}
