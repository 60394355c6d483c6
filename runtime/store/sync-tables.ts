/**
 * The runtime's own tables, in the library's database file beside the model tables: a commit of
 * rows and their log entries is then one SQLite transaction on one file, atomic even in WAL mode.
 * (A log in an ATTACHed file could lose entries whose rows committed, in a crash during COMMIT.)
 *
 * | table | key | holds |
 * | --- | --- | --- |
 * | `_sync_state` | key | library id, device id, the last issued HLC |
 * | `_sync_log` | (origin, seq) | every change this device holds: its own and received ones, for relay |
 * | `_sync_cursor` | origin | the version vector: per origin, the highest seq up to which every entry is held |
 * | `_sync_peer_ack` | (peer, origin) | per peer and origin, the seq up to which the peer acknowledged holding everything |
 * | `_sync_tombstone` | (model, record) | deleted records and the HLC of their own delete (null after a cascade); deletes are final |
 * | `_sync_parked` | (origin, seq) | received changes waiting for a record (`model`, `record`) that has not arrived |
 * | `_sync_peer` | peer | every peer this device synced with, and when it was last connected |
 * | `_sync_pruned` | origin | the seq up to which entries of that origin were pruned from the log |
 * | `_sync_model` | id | the model ids this database was written with, to follow a renumbering |
 * | `_sync_member` | device | the library's members: each device id's key fingerprint, who admitted it, and its removal (`core/member-record.ts`) |
 * | `_sync_invite` | token_hash | open invites: the SHA-256 of each one-time token and when it expires |
 * | `_sync_quarantine` | (origin, seq) | held entries of a model this device's schema does not know (a newer one's): in the log, relayed, not applied, replayed at upgrade |
 * | `_sync_quarantine_record` | (model, record) | what this device holds without understanding it: per record, the values (and clocks) of fields its schema does not know; or a whole snapshot record of an unknown model |
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const initial: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    const withoutRowid = sql`without rowid`;
    await db.schema
      .createTable('_sync_state')
      .addColumn('key', 'text', (col) => col.primaryKey().notNull())
      .addColumn('value', 'blob', (col) => col.notNull())
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema
      .createTable('_sync_log')
      .addColumn('origin', 'text', (col) => col.notNull())
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('hlc', 'blob', (col) => col.notNull())
      .addColumn('model', 'integer', (col) => col.notNull())
      .addColumn('record', 'text', (col) => col.notNull())
      .addColumn('kind', 'integer', (col) => col.notNull())
      .addColumn('data', 'blob')
      .addPrimaryKeyConstraint('_sync_log_pk', ['origin', 'seq'])
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema
      .createTable('_sync_cursor')
      .addColumn('origin', 'text', (col) => col.primaryKey().notNull())
      .addColumn('seq', 'integer', (col) => col.notNull())
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema
      .createTable('_sync_peer_ack')
      .addColumn('peer', 'text', (col) => col.notNull())
      .addColumn('origin', 'text', (col) => col.notNull())
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addPrimaryKeyConstraint('_sync_peer_ack_pk', ['peer', 'origin'])
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema
      .createTable('_sync_tombstone')
      .addColumn('model', 'integer', (col) => col.notNull())
      .addColumn('record', 'text', (col) => col.notNull())
      .addColumn('hlc', 'blob')
      .addPrimaryKeyConstraint('_sync_tombstone_pk', ['model', 'record'])
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema
      .createTable('_sync_parked')
      .addColumn('origin', 'text', (col) => col.notNull())
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('model', 'integer', (col) => col.notNull())
      .addColumn('record', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('_sync_parked_pk', ['origin', 'seq'])
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema.createIndex('_sync_parked_by_missing').on('_sync_parked').columns(['model', 'record']).execute();
    await db.schema
      .createTable('_sync_peer')
      .addColumn('peer', 'text', (col) => col.primaryKey().notNull())
      .addColumn('last_seen', 'integer', (col) => col.notNull())
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema
      .createTable('_sync_pruned')
      .addColumn('origin', 'text', (col) => col.primaryKey().notNull())
      .addColumn('seq', 'integer', (col) => col.notNull())
      .modifyEnd(withoutRowid)
      .execute();
    await db.schema
      .createTable('_sync_model')
      .addColumn('id', 'integer', (col) => col.primaryKey().notNull())
      .addColumn('name', 'text', (col) => col.notNull().unique())
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const table of [
      '_sync_model',
      '_sync_pruned',
      '_sync_peer',
      '_sync_parked',
      '_sync_tombstone',
      '_sync_peer_ack',
      '_sync_cursor',
      '_sync_log',
      '_sync_state',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Membership and invites (issue 12): which device ids, by which keys, belong to the library. */
const membership: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('_sync_member')
      .addColumn('device', 'text', (col) => col.primaryKey().notNull())
      .addColumn('fingerprint', 'text', (col) => col.notNull())
      .addColumn('added_by', 'text', (col) => col.notNull())
      .addColumn('added_at', 'integer', (col) => col.notNull())
      .addColumn('removed_by', 'text')
      .addColumn('removed_at', 'integer')
      .addColumn('removed_after_seq', 'integer')
      .addColumn('conflict', 'integer', (col) => col.notNull())
      .modifyEnd(sql`without rowid`)
      .execute();
    await db.schema
      .createTable('_sync_invite')
      .addColumn('token_hash', 'blob', (col) => col.primaryKey().notNull())
      .addColumn('expires_at', 'integer', (col) => col.notNull())
      .modifyEnd(sql`without rowid`)
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('_sync_invite').execute();
    await db.schema.dropTable('_sync_member').execute();
  },
};

/** Quarantine (issue 13): what a device on an older schema holds for newer devices, and replays when it upgrades. */
const quarantine: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('_sync_quarantine')
      .addColumn('origin', 'text', (col) => col.notNull())
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('model', 'integer', (col) => col.notNull())
      .addPrimaryKeyConstraint('_sync_quarantine_pk', ['origin', 'seq'])
      .modifyEnd(sql`without rowid`)
      .execute();
    await db.schema.createIndex('_sync_quarantine_by_model').on('_sync_quarantine').columns(['model']).execute();
    await db.schema
      .createTable('_sync_quarantine_record')
      .addColumn('model', 'integer', (col) => col.notNull())
      .addColumn('record', 'text', (col) => col.notNull())
      .addColumn('whole', 'integer', (col) => col.notNull())
      .addColumn('data', 'blob', (col) => col.notNull())
      .addPrimaryKeyConstraint('_sync_quarantine_record_pk', ['model', 'record'])
      .modifyEnd(sql`without rowid`)
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('_sync_quarantine_record').execute();
    await db.schema.dropTable('_sync_quarantine').execute();
  },
};

/** The runtime's migrations, run before the models' own, with their own migration table. */
export const syncMigrations: MigrationProvider = {
  async getMigrations() {
    return { '0001_sync_tables': initial, '0002_membership': membership, '0003_quarantine': quarantine };
  },
};

export const SYNC_MIGRATION_TABLE = '_sync_migration';
export const SYNC_MIGRATION_LOCK_TABLE = '_sync_migration_lock';
export const MODEL_MIGRATION_TABLE = '_model_migration';
export const MODEL_MIGRATION_LOCK_TABLE = '_model_migration_lock';
