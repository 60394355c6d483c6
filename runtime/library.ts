/**
 * A library: one device's copy of the synced data, in one SQLite file (WAL) that holds the model
 * tables and the sync log together.
 *
 * `openLibrary` creates or opens the file, runs the runtime's and the models' migrations (each in
 * a transaction), checks the file belongs to this library and device, and returns the `Library`:
 * `transact` (the only write path), `applyChanges` (remote changes), typed read-only queries, and
 * the outbox that the sync engine drains.
 */
import Database from 'better-sqlite3';
import { Kysely, Migrator, type MigrationProvider } from 'kysely';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ChangeEntry } from './change-entry.js';
import { LibraryMismatchError, SyncError, UnknownModelError } from './errors.js';
import { DEFAULT_MAX_DRIFT_MS, type Hlc } from './hlc.js';
import { LibraryClock } from './library-clock.js';
import { createStores, readRecord, type LibraryCore } from './library-core.js';
import { LibraryDialect } from './library-dialect.js';
import type { RecordOf } from './model-adapter.js';
import { Outbox } from './outbox.js';
import { ParkedChanges } from './parked-changes.js';
import type { Registry } from './registry.js';
import { PeerAcks } from './peer-acks.js';
import type { SnapshotRecord } from './protocol.js';
import { applyRemote, releaseParked, type ApplyOutcome } from './remote-apply.js';
import { mergeSnapshot, readSnapshotPage, readSnapshotRecord, type RefusedRecord } from './snapshot.js';
import type { SyncMetrics } from './sync-metrics.js';
import { renumberModels } from './renumber-models.js';
import { SyncLog } from './sync-log.js';
import { MODEL_MIGRATION_LOCK_TABLE, MODEL_MIGRATION_TABLE, SYNC_MIGRATION_LOCK_TABLE, SYNC_MIGRATION_TABLE, syncMigrations } from './sync-schema.js';
import { Tombstones } from './tombstones.js';
import { TransactionManager, type ModelsOf, type Transaction } from './transaction.js';

export interface LibraryOptions<R extends Registry<any, any>> {
  /** Directory of this device's copy; created if absent. The database is `<dir>/library.db`. */
  readonly dir: string;
  /** The library (the user's synced data set), a UUID shared by all its devices. */
  readonly libraryId: string;
  /** This device, a UUID. A library file belongs to one device. */
  readonly deviceId: string;
  /** The generated registry. */
  readonly registry: R;
  /**
   * `full` (default): each commit is on disk before `transact` returns, so nothing is sent to peers
   * that a power loss could take back. `normal`: several times faster, but a power loss can roll
   * back the last commits after peers received them; the device would then reuse their sequence
   * numbers for different changes, and peers would ignore those as duplicates. Use `normal` only for
   * data you can rebuild, or in tests.
   */
  readonly durability?: 'full' | 'normal';
  /** How far ahead of this device's wall clock a remote clock may be (default 5 minutes). */
  readonly maxDriftMs?: number;
  /** The wall clock, in ms (default `Date.now`); injected by tests. */
  readonly now?: () => number;
  /** How many remote changes may wait for records that have not arrived (default 100 000). */
  readonly maxParked?: number;
  /** Where errors that cannot be thrown to a caller go (default: console.error). */
  readonly onError?: (error: unknown, context: string) => void;
}

/** A record that parked changes wait for, by model name. */
export interface MissingRecordRef {
  readonly model: string;
  readonly record: string;
}

export class Library<R extends Registry<any, any>> {
  readonly libraryId: string;
  readonly deviceId: string;
  readonly registry: R;
  readonly file: string;
  /** Typed, read-only queries over the synced tables (a read-only connection: writes fail). */
  readonly db: Kysely<NonNullable<R['database']>>;
  /** The durable outbox: the sync log, and a notice after each commit. */
  readonly outbox: Outbox;

  readonly #core: LibraryCore;
  readonly #transactions: TransactionManager<R>;
  readonly #writer: Database.Database;
  readonly #reader: Database.Database;
  readonly #acks: PeerAcks;
  // The sync engine's frequent transactions, made once (better-sqlite3 builds a wrapper per `transaction()` call).
  readonly #applyTransaction: Database.Transaction<(core: LibraryCore, entries: readonly unknown[]) => ApplyOutcome>;
  readonly #ackTransaction: Database.Transaction<(peer: string, vector: ReadonlyMap<string, number>, now: number) => void>;
  readonly #durability: 'full' | 'normal';
  #metricsSource: (() => SyncMetrics) | undefined;
  #closed = false;

  /** @internal Use `openLibrary`. */
  constructor(parts: { options: LibraryOptions<R>; file: string; core: LibraryCore; reader: Database.Database; reportError: (error: unknown, context: string) => void }) {
    const { options, file, core, reader, reportError } = parts;
    this.libraryId = options.libraryId;
    this.deviceId = core.deviceId;
    this.registry = options.registry;
    this.file = file;
    this.#core = core;
    this.#writer = core.db;
    this.#reader = reader;
    this.#transactions = new TransactionManager<R>(core, reportError);
    this.#acks = new PeerAcks(core.db);
    this.#applyTransaction = core.db.transaction(applyRemote);
    this.#ackTransaction = core.db.transaction((peer: string, vector: ReadonlyMap<string, number>, now: number) => this.#acks.record(peer, vector, now));
    this.#durability = options.durability ?? 'full';
    this.outbox = new Outbox(core.log, reportError);
    this.db = new Kysely({ dialect: new LibraryDialect({ database: reader }) });
  }

  /**
   * Runs `fn` in one transaction and returns its result. Everything it writes, and the sync-log
   * entries for it, commit together or not at all; a throw rolls all of it back.
   *
   * @example
   * const tag = library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: new Date().toISOString() }));
   */
  transact<T>(fn: (tx: Transaction<R>) => T): T {
    this.#open();
    const { result, entries } = this.#rollingBack(() => this.#transactions.run(fn));
    this.outbox.committed(entries);
    return result;
  }

  /**
   * Applies changes received from a peer, in one transaction. See `remote-apply.ts` for the rules.
   * With `{ durable: false }` the commit does not wait for the disk: the changes are applied, seen
   * and relayed at once, and `makeDurable` must run before anything tells a peer they are held (a
   * power loss may take them back; the peer that sent them still has them and sends them again).
   */
  applyChanges(entries: readonly unknown[], options: { readonly durable?: boolean } = {}): ApplyOutcome {
    this.#open();
    const apply = () => this.#rollingBack(() => this.#applyTransaction.immediate(this.#core, entries));
    const outcome = options.durable === false ? this.#relaxed(apply) : apply();
    this.outbox.committed(outcome.stored);
    return outcome;
  }

  /** Makes every commit so far durable: one FULL commit, which in WAL mode syncs every commit before it. */
  makeDurable(): void {
    this.#open();
    if (this.#durability !== 'full') return;
    this.#writer.transaction(() => this.#core.clock.persist()).immediate();
  }

  /** A record as the app sees it (decoded; a hybrid model with this device's perDevice values). */
  get<K extends keyof ModelsOf<R> & string>(accessor: K, id: string): RecordOf<ModelsOf<R>[K]> | undefined {
    this.#open();
    const adapter = (this.registry.models as Record<string, { id: number }>)[accessor];
    if (!adapter) throw new UnknownModelError(accessor);
    return readRecord(this.#core, this.#core.stores.get(adapter.id)!, id) as RecordOf<ModelsOf<R>[K]> | undefined;
  }

  /** The records that parked changes wait for: the sync engine requests them from peers. */
  missingRecords(): MissingRecordRef[] {
    return this.#core.parked.missing().map(({ model, record }) => ({ model: this.#core.stores.get(model)!.name, record }));
  }

  /** How many received changes wait for a record that has not arrived. */
  get parkedCount(): number {
    return this.#core.parked.count;
  }

  /** Per origin, the seq up to which this device pruned its log. */
  pruneFloor(): Map<string, number> {
    return this.#core.log.floor();
  }

  /**
   * Prunes log entries that every peer seen within `retentionMs` has acknowledged. A peer absent
   * longer than that no longer holds entries back; when it returns below the floor it catches up
   * from a snapshot. Nothing is pruned while no peer has ever acknowledged anything.
   */
  prune(retentionMs: number): number {
    this.#open();
    const now = this.#core.clock.now();
    return this.#rollingBack(() =>
      this.#writer
        .transaction(() => {
          const peers = this.#acks.peers().filter((peer) => now - peer.lastSeen <= retentionMs);
          if (peers.length === 0) return 0;
          const acked = peers.map((peer) => this.#acks.acked(peer.peer));
          let pruned = 0;
          for (const origin of this.#core.log.origins()) {
            pruned += this.#core.log.prune(origin, Math.min(...acked.map((vector) => vector.get(origin) ?? 0)));
          }
          // The clock's last value may have been in the entries just pruned (see `library-clock.ts`).
          if (pruned > 0) this.#core.clock.persist();
          return pruned;
        })
        .immediate(),
    );
  }

  /** @internal The sync engine records what a peer acknowledged holding. */
  recordPeerAck(peer: string, vector: ReadonlyMap<string, number>): void {
    this.#open();
    // Acks are advice: one lost in a power loss only makes this device send again what the peer holds.
    this.#relaxed(() => this.#ackTransaction.immediate(peer, vector, this.#core.clock.now()));
  }

  /** What a peer last acknowledged holding, per origin (durable). */
  peerAcks(peer: string): Map<string, number> {
    return this.#acks.acked(peer);
  }

  /**
   * @internal A page of snapshot records of one model, for a peer's `StateRequest`, and the vector
   * it reflects: per origin, every entry up to there has its effect in the rows read. That is the
   * cursor, lowered below the first parked entry (held, but not applied: a peer that claimed it
   * from this snapshot would never get its effect).
   */
  snapshotPage(model: number, after: string | null, limit: number): { records: SnapshotRecord[]; next: string | null; reflects: Map<string, number> } {
    this.#open();
    const page = readSnapshotPage(this.#core, model, after ?? '', limit);
    const reflects = this.#core.log.cursors();
    for (const [origin, seq] of reflects) {
      const parked = this.#core.parked.firstParked(origin);
      if (parked !== undefined) reflects.set(origin, Math.min(seq, parked - 1));
    }
    return { ...page, reflects };
  }

  /** @internal The records a peer asked for (those this device knows of). */
  snapshotRecords(records: readonly { model: number; record: string }[]): SnapshotRecord[] {
    this.#open();
    return records.flatMap(({ model, record }) => readSnapshotRecord(this.#core, model, record) ?? []);
  }

  /**
   * Merges snapshot records in one transaction; with `claim`, then records that everything up to
   * that version vector is held (what every page of the snapshot reflected), unless a record was
   * refused (its effect is missing).
   *
   * Without a claim, the commit does not wait for the disk (synchronous NORMAL, even in `full`
   * durability): nothing is acknowledged or relayed because of merged records, so a power loss
   * that takes the last of them back loses nothing that a peer relies on; the device misses them
   * and asks again. A claim commits FULL, which makes every commit before it durable too (WAL).
   */
  mergeSnapshot(records: readonly SnapshotRecord[], claim?: ReadonlyMap<string, number>): { refused: RefusedRecord[] } {
    this.#open();
    const merge = () =>
      this.#rollingBack(() =>
        this.#writer
          .transaction(() => {
            const { resolved, refused } = mergeSnapshot(this.#core, records);
            releaseParked(this.#core, resolved);
            if (refused.length === 0) for (const [origin, seq] of claim ?? []) this.#core.log.claim(origin, seq);
            this.#core.clock.persist();
            return { refused };
          })
          .immediate(),
      );
    return claim === undefined ? this.#relaxed(merge) : merge();
  }

  /**
   * Runs `fn` with commits that do not wait for the disk (synchronous NORMAL, in WAL mode: a power
   * loss may take them back, never corrupt the file). The next FULL commit makes them durable too.
   */
  #relaxed<T>(fn: () => T): T {
    if (this.#durability !== 'full') return fn();
    this.#writer.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.#writer.pragma('synchronous = FULL');
    }
  }

  /**
   * A digest of the synced state: every model table and per-device table (all columns, clocks and
   * versions included, in key order) and the tombstones. Devices that hold the same changes have
   * the same digest.
   */
  digest(): string {
    this.#open();
    const hash = createHash('sha256');
    const tables: [string, string][] = [['_sync_tombstone', 'model, record']];
    for (const adapter of this.registry.dependencyOrder) {
      tables.push([adapter.table, `"${adapter.primaryKey}"`]);
      if (adapter.sql.device) tables.push([adapter.sql.device.table, '_record, _device']);
    }
    for (const [table, order] of tables.sort(([a], [b]) => (a < b ? -1 : 1))) {
      hash.update(`${table}\n`);
      for (const row of this.#reader.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).iterate() as Iterable<Record<string, unknown>>) {
        hash.update(JSON.stringify(Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : value))));
        hash.update('\n');
      }
    }
    return hash.digest('hex');
  }

  /** The sync engine's metrics, when one runs on this library. */
  metrics(): SyncMetrics | undefined {
    return this.#metricsSource?.();
  }

  /** @internal The sync engine makes its metrics readable from the library. */
  attachMetrics(source: (() => SyncMetrics) | undefined): void {
    this.#metricsSource = source;
  }

  /** The last HLC this device issued or observed. */
  get clock(): Hlc {
    return this.#core.clock.last;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close();
    this.#writer.close();
  }

  /** Runs a transaction; after a rollback, state cached in memory is read again from the file. */
  #rollingBack<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      this.#core.parked.forgetCount();
      this.#core.log.forgetOwnCursor();
      throw error;
    }
  }

  #open(): void {
    if (this.#closed) throw new SyncError('library-closed', `the library at ${this.file} is closed`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opens (creating if needed) a device's copy of a library. */
export async function openLibrary<R extends Registry<any, any>>(options: LibraryOptions<R>): Promise<Library<R>> {
  for (const [name, value] of [['libraryId', options.libraryId], ['deviceId', options.deviceId]] as const) {
    if (!UUID.test(value)) throw new TypeError(`${name} must be a lower-case UUID, got ${JSON.stringify(value)}`);
  }
  mkdirSync(options.dir, { recursive: true });
  const file = path.join(options.dir, 'library.db');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('busy_timeout = 5000');
    await migrate(db, syncMigrations, SYNC_MIGRATION_TABLE, SYNC_MIGRATION_LOCK_TABLE);
    await migrate(db, options.registry.migrations, MODEL_MIGRATION_TABLE, MODEL_MIGRATION_LOCK_TABLE);
    db.transaction(() => {
      claimFile(db, file, options.libraryId, options.deviceId);
      renumberModels(db, options.registry);
    }).immediate();
  } catch (error) {
    db.close();
    throw error;
  }
  const reportError = options.onError ?? ((error: unknown, context: string) => console.error(`syncgen: ${context}:`, error));
  const stores = createStores(db, options.registry);
  const core: LibraryCore = {
    db,
    deviceId: options.deviceId,
    registry: options.registry,
    stores,
    storesByName: new Map([...stores.values()].map((store) => [store.name, store])),
    tombstones: new Tombstones(db),
    parked: new ParkedChanges(db, options.maxParked ?? 100_000),
    log: new SyncLog(db, options.deviceId),
    clock: new LibraryClock(db, options.deviceId, options.now ?? Date.now, options.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS),
  };
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  return new Library<R>({ options, file, core, reader, reportError });
}

async function migrate(db: Database.Database, provider: MigrationProvider, table: string, lockTable: string): Promise<void> {
  // The dialect would close the connection on destroy; this Kysely is only dropped, never destroyed.
  const kysely = new Kysely<unknown>({ dialect: new LibraryDialect({ database: db }) });
  const migrator = new Migrator({ db: kysely, provider, migrationTableName: table, migrationLockTableName: lockTable });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'a migration';
    throw new SyncError('migration-failed', `migration ${failed} failed on ${db.name}: ${(error as Error).message ?? String(error)}`);
  }
}

/** Records the library and device ids in a new file; refuses a file of another library or device. */
function claimFile(db: Database.Database, file: string, libraryId: string, deviceId: string): void {
  const read = db.prepare('SELECT value FROM _sync_state WHERE key = ?').pluck();
  const write = db.prepare('INSERT INTO _sync_state (key, value) VALUES (?, ?)');
  const found = { libraryId: read.get('libraryId') as string | undefined, deviceId: read.get('deviceId') as string | undefined };
  if (found.libraryId === undefined) {
    write.run('libraryId', libraryId);
    write.run('deviceId', deviceId);
    return;
  }
  if (found.libraryId !== libraryId || found.deviceId !== deviceId) {
    throw new LibraryMismatchError(file, { libraryId, deviceId }, { libraryId: String(found.libraryId), deviceId: String(found.deviceId) });
  }
}

export type { ChangeEntry };
