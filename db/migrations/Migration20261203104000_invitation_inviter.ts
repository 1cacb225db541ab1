import { Migration } from '@mikro-orm/migrations';

/**
 * Invitations remember the user who made them (null: an API key), so that removing a member or demoting them to
 * viewer revokes the invitations they left pending (docs/architecture.md "Team accounts").
 */
export class Migration20261203104000_invitation_inviter extends Migration {
  override name = 'Migration20261203104000_invitation_inviter';

  override up(): void | Promise<void> {
    this.addSql(`alter table "invitation" add column "invited_by_user_id" varchar(255) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "invitation" drop column "invited_by_user_id";`);
  }
}
