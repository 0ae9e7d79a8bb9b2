import type { Kysely } from 'kysely';

/**
 * The members of each account (tenant), people with a user of the platform (the default tenant), and the invitations
 * to become one. A person's accounts are read by user id (the account switcher), an invitation by the hash of its token
 * (the link), an account's members and invitations by tenant, and expired invitations by expiry (the purge).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('members')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('members_pk', ['tenant_id', 'user_id'])
    .execute();
  await db.schema.createIndex('members_user').on('members').column('user_id').execute();
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('invited_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint')
    .addColumn('accepted_by', 'text')
    .execute();
  await db.schema.createIndex('invitations_tenant').on('invitations').columns(['tenant_id', 'created_at']).execute();
  // The purge removes invitations a while after they expired, used or not.
  await db.schema.createIndex('invitations_expires_at').on('invitations').column('expires_at').execute();
}
