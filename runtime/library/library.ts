/**
 * A library: one device's copy of the synced data, in one SQLite file (WAL) that holds the model
 * tables and the sync log together. This is the app's API: `transact` (the only write path),
 * typed read-only queries, decoded records, the change feed (`onChange`) and live queries
 * (`watch`), the outbox, and `applyChanges` for changes received from peers. The sync engine reaches the library through its port (`library-sync-port.ts`).
 */
import type Database from 'better-sqlite3';
import { Kysely, type RootOperationNode } from 'kysely';
import { SyncError, UnknownModelError } from '../core/errors.js';
import type { Hlc } from '../core/hlc.js';
import type { Logger } from '../core/logger.js';
import type { AnyModelAdapter, RecordOf } from '../contract/model-adapter.js';
import type { Registry } from '../contract/registry.js';
import { applyEntries, type ApplyOutcome } from '../merge/apply-entries.js';
import { TransactionManager, type ModelsOf, type Transaction } from '../merge/transaction-manager.js';
import { digestOf } from '../store/digest.js';
import type { Durability } from '../store/durability.js';
import { LibraryDialect } from '../store/library-dialect.js';
import { readRecord } from '../store/read-record.js';
import { rollingBack, type Store } from '../store/store.js';
import type { ChangeFeed, LibraryChange, ModelChangeNotice } from './change-feed.js';
import { DecodedReadsDialect } from './decoded-reads.js';
import type { DeviceCredentials } from './device-credentials.js';
import { LiveQuery, type WatchableQuery, type WatchOptions } from './live-query.js';
import { tablesRead } from './tables-read.js';
import { LibrarySyncPort } from './library-sync-port.js';
import { LibraryMembers } from './members.js';
import { Outbox } from './outbox.js';

/** A record that parked changes wait for, by model name. */
export interface MissingRecordRef {
  readonly model: string;
  readonly record: string;
}

/** @internal What `openLibrary` hands the library it opened. */
export interface LibraryParts<R extends Registry<any, any>> {
  readonly libraryId: string;
  readonly registry: R;
  readonly file: string;
  readonly credentials: DeviceCredentials;
  readonly store: Store;
  readonly reader: Database.Database;
  readonly durability: Durability;
  readonly reportError: (error: unknown, context: string) => void;
  /** `openLibrary`'s logger (or the default): the sync engine's and the TCP transport's when they are given none. */
  readonly logger: Logger;
  /** The change feed, made before the library so that `openLibrary`'s listener hears an upgrade's replay. */
  readonly feed: ChangeFeed;
  /** The wall clock (ms), for invites' expiry and membership times. */
  readonly now: () => number;
}

const LOCAL = { kind: 'local' } as const;

/** The ids of the models whose tables (or per-device tables) a query reads. */
function modelsRead(store: Store, node: RootOperationNode): number[] {
  const tables = new Set(tablesRead(node));
  const models: number[] = [];
  for (const { adapter } of store.stores.values()) {
    if (tables.has(adapter.table) || (adapter.sql.device !== null && tables.has(adapter.sql.device.table))) models.push(adapter.id);
  }
  return models;
}

const syncPorts = new WeakMap<Library<any>, LibrarySyncPort>();

/** @internal The port the sync engine uses on a library (for `startSync`, and for tests that drive the engine's calls). */
export function syncPortOf(library: Library<any>): LibrarySyncPort {
  return syncPorts.get(library)!;
}

export class Library<R extends Registry<any, any>> {
  readonly libraryId: string;
  readonly deviceId: string;
  readonly registry: R;
  readonly file: string;
  /**
   * Typed, read-only queries over the synced tables (a read-only connection: writes fail). Rows
   * come back as the models' types: booleans as booleans, JSON fields parsed (`DecodedReadsDialect`);
   * parameters are app values too. Expressions such as `count` or `sum` come back as SQLite
   * computes them.
   *
   * @example
   * const pinned = await library.db.selectFrom('tag').select(['name', 'isPinned']).where('isPinned', '=', true).execute();
   * // [{ name: 'Holidays', isPinned: true }]
   */
  readonly db: Kysely<NonNullable<R['database']>>;
  /** The durable outbox: the sync log, and a notice after each commit. */
  readonly outbox: Outbox;
  /**
   * This device's key pair and self-signed certificate (PEM), for the TCP transport's TLS channel
   * (`credentials: library.credentials`), and the fingerprint its peers pin for it. The key lives
   * in `<dir>/device-key.pem` (owner-only) and never leaves the device.
   */
  readonly credentials: DeviceCredentials;
  /**
   * The devices that belong to the library, by device id and key: invites for new devices, removal.
   * The TCP transport accepts connections from members only (it takes the whole library).
   */
  readonly members: LibraryMembers;
  /** Where the library logs, and the sync engine and the TCP transport by default (`openLibrary`'s `logger`). */
  readonly logger: Logger;

  readonly #store: Store;
  readonly #transactions: TransactionManager<R>;
  readonly #reader: Database.Database;
  readonly #durability: Durability;
  readonly #feed: ChangeFeed;
  readonly #reportError: (error: unknown, context: string) => void;
  // Made once: better-sqlite3 builds a wrapper per `transaction()` call.
  readonly #applyTransaction: Database.Transaction<(store: Store, entries: readonly unknown[]) => ApplyOutcome>;
  #closed = false;

  /** @internal Use `openLibrary`. */
  constructor(parts: LibraryParts<R>) {
    const { store } = parts;
    this.libraryId = parts.libraryId;
    this.deviceId = store.deviceId;
    this.registry = parts.registry;
    this.file = parts.file;
    this.credentials = parts.credentials;
    this.members = new LibraryMembers({
      store,
      libraryId: parts.libraryId,
      fingerprint: parts.credentials.fingerprint,
      now: parts.now,
      assertOpen: () => this.#open(),
      reportError: parts.reportError,
    });
    this.#store = store;
    this.#reader = parts.reader;
    this.#durability = parts.durability;
    this.#feed = parts.feed;
    this.#reportError = parts.reportError;
    this.logger = parts.logger;
    this.#transactions = new TransactionManager<R>(store, parts.reportError);
    this.#applyTransaction = store.db.transaction(applyEntries);
    this.outbox = new Outbox(store.log, parts.reportError);
    this.db = new Kysely({ dialect: new DecodedReadsDialect(new LibraryDialect({ database: parts.reader }), parts.registry) });
    syncPorts.set(this, new LibrarySyncPort(this, store, parts.durability, parts.feed));
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
    const { result, entries } = rollingBack(this.#store, () => this.#transactions.run(fn));
    this.outbox.committed(entries);
    this.#feed.committed(LOCAL);
    return result;
  }

  /**
   * Applies changes received from a peer, in one transaction. See `merge/apply-entries.ts` for the
   * rules. With `{ durable: false }` the commit does not wait for the disk: the changes are applied,
   * seen and relayed at once, and `makeDurable` must run before anything tells a peer they are held
   * (a power loss may take them back; the peer that sent them still has them and sends them again).
   * `from` names the peer that sent them, for the change feed's notice.
   *
   * @example
   * const outcome = library.applyChanges(entries);
   * for (const { error } of outcome.refused) console.warn(error.code, error.message);
   */
  applyChanges(entries: readonly unknown[], options: { readonly durable?: boolean; readonly from?: string } = {}): ApplyOutcome {
    this.#open();
    const apply = () => rollingBack(this.#store, () => this.#applyTransaction.immediate(this.#store, entries));
    const outcome = options.durable === false ? this.#durability.relaxed(apply) : apply();
    this.outbox.committed(outcome.stored);
    this.#feed.committed({ kind: 'entries', peer: options.from ?? null });
    return outcome;
  }

  /**
   * Calls `listener` after each commit that changed synced data, whatever made it (this device, a
   * peer's entries, a snapshot, fetched records, a cascade): one notice per commit, typed by model,
   * with the records created, updated (and which fields) and deleted. With a model's accessor first,
   * only that model's changes, and only its table is watched. Returns the unsubscribe function.
   *
   * @example
   * const stop = library.onChange((change) => {
   *   for (const { id, fields } of change.models.tag?.updated ?? []) console.log(change.source.kind, 'tag', id, fields);
   * });
   * library.onChange('tag', ({ created, deleted }) => console.log(created.length, 'new tags,', deleted.length, 'gone'));
   */
  onChange(listener: (change: LibraryChange<R>) => void): () => void;
  onChange<K extends keyof ModelsOf<R> & string>(model: K, listener: (change: ModelChangeNotice<ModelsOf<R>[K]>) => void): () => void;
  onChange(modelOrListener: string | ((change: LibraryChange<R>) => void), listener?: (change: ModelChangeNotice<any>) => void): () => void {
    this.#open();
    if (typeof modelOrListener === 'string')
      return this.#feed.subscribeModel(modelOrListener, listener as (change: ModelChangeNotice<AnyModelAdapter>) => void);
    return this.#feed.subscribe(modelOrListener as (change: LibraryChange<any>) => void);
  }

  /**
   * A live query: runs `query` (built on `library.db`) now, and again after every commit that changed
   * a table it reads, and calls `callback` with its decoded rows whenever they differ from the last
   * ones. Returns the function that stops it.
   *
   * @example
   * const stop = library.watch(library.db.selectFrom('tag').selectAll().orderBy('name'), (tags) => render(tags));
   */
  watch<O>(query: WatchableQuery<O>, callback: (rows: O[]) => void, options: WatchOptions = {}): () => void {
    this.#open();
    const onError = options.onError ?? ((error: unknown) => this.#reportError(error, 'live query'));
    const live = new LiveQuery(query, callback, onError, () => this.#closed);
    const models = modelsRead(this.#store, query.compile().query);
    const unsubscribe = this.#feed.subscribeModels(models, (changed) => {
      if (models.some((model) => changed.has(model))) live.refresh();
    });
    live.refresh();
    return () => {
      live.stop();
      unsubscribe();
    };
  }

  /** Makes every commit so far durable: one FULL commit, which in WAL mode syncs every commit before it. */
  makeDurable(): void {
    this.#open();
    this.#durability.makeDurable();
  }

  /**
   * A record as the app sees it (decoded; a hybrid model with this device's perDevice values).
   *
   * @example
   * const tag = library.get('tag', id); // { id, name, color, ... } or undefined
   */
  get<K extends keyof ModelsOf<R> & string>(accessor: K, id: string): RecordOf<ModelsOf<R>[K]> | undefined {
    this.#open();
    const adapter = (this.registry.models as Record<string, { id: number }>)[accessor];
    if (!adapter) throw new UnknownModelError(accessor);
    return readRecord(this.#store, this.#store.stores.get(adapter.id)!, id) as RecordOf<ModelsOf<R>[K]> | undefined;
  }

  /** The records that parked changes wait for (the sync engine requests them from peers). */
  missingRecords(): MissingRecordRef[] {
    return this.#store.parked.missing().map(({ model, record }) => ({ model: this.#store.stores.get(model)!.name, record }));
  }

  /** How many received changes wait for a record that has not arrived. */
  get parkedCount(): number {
    return this.#store.parked.count;
  }

  /**
   * A digest of the synced state: every model table and per-device table (all columns, clocks and
   * versions included, in key order) and the tombstones. Devices that hold the same changes have
   * the same digest.
   */
  digest(): string {
    this.#open();
    return digestOf(this.#reader, this.registry);
  }

  /** The last HLC this device issued or observed. */
  get clock(): Hlc {
    return this.#store.clock.last;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close();
    this.#store.db.close();
  }

  #open(): void {
    if (this.#closed) throw new SyncError('library-closed', `the library at ${this.file} is closed`);
  }
}
