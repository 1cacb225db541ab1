import { Migration } from '@mikro-orm/migrations';

export class Migration20261126020000_webhook_payload_key extends Migration {
  override name = 'Migration20261126020000_webhook_payload_key';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhook_event" add "key_id" varchar(255) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "webhook_event" drop column "key_id";`);
  }
}
