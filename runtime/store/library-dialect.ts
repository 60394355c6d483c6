/**
 * Kysely's SQLite dialect, with transactional DDL switched on. SQLite runs DDL inside transactions;
 * Kysely's adapter says it does not, and its Migrator would then run a half-applied migration
 * (say, a table rebuild cut off by a crash) without a transaction. With this adapter each
 * migration commits whole or not at all.
 */
import { SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely';

class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class LibraryDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}
