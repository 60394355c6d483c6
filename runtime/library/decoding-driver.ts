/**
 * A Kysely driver around another whose connections decode each result's rows: the columns that
 * the compiled query's node selects from boolean and JSON fields (`result-columns.ts`). Everything
 * else (transactions, savepoints, release) is the inner driver's, on its own connection.
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, RootOperationNode, TransactionSettings } from 'kysely';
import type { SqlValue } from '../core/sql-value.js';
import type { ResultDecoders } from './result-columns.js';

type Savepoint = (connection: DatabaseConnection, savepointName: string, compileQuery: QueryCompiler['compileQuery']) => Promise<void>;

export class DecodingDriver implements Driver {
  readonly #inner: Driver;
  readonly #decodersOf: (query: RootOperationNode) => ResultDecoders;
  // One wrapper per inner connection, so that Kysely sees the connection it always gets as the same.
  readonly #wrapped = new WeakMap<DatabaseConnection, DecodingConnection>();
  // Present only when the inner driver has them: Kysely checks for them to refuse savepoints.
  readonly savepoint?: Savepoint;
  readonly rollbackToSavepoint?: Savepoint;
  readonly releaseSavepoint?: Savepoint;

  constructor(inner: Driver, decodersOf: (query: RootOperationNode) => ResultDecoders) {
    this.#inner = inner;
    this.#decodersOf = decodersOf;
    const { savepoint, rollbackToSavepoint, releaseSavepoint } = inner;
    if (savepoint) this.savepoint = (connection, name, compile) => savepoint.call(inner, innerOf(connection), name, compile);
    if (rollbackToSavepoint) this.rollbackToSavepoint = (connection, name, compile) => rollbackToSavepoint.call(inner, innerOf(connection), name, compile);
    if (releaseSavepoint) this.releaseSavepoint = (connection, name, compile) => releaseSavepoint.call(inner, innerOf(connection), name, compile);
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection();
    let wrapped = this.#wrapped.get(connection);
    if (wrapped === undefined) {
      wrapped = new DecodingConnection(connection, this.#decodersOf);
      this.#wrapped.set(connection, wrapped);
    }
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(innerOf(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(innerOf(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(innerOf(connection));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(innerOf(connection));
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

class DecodingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly decodersOf: (query: RootOperationNode) => ResultDecoders,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return decodeRows(await this.inner.executeQuery<R>(compiledQuery), this.decodersOf(compiledQuery.query));
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    const decoders = this.decodersOf(compiledQuery.query);
    for await (const result of this.inner.streamQuery<R>(compiledQuery, chunkSize)) yield decodeRows(result, decoders);
  }
}

function innerOf(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof DecodingConnection ? connection.inner : connection;
}

/** Decodes the rows in place: they are fresh objects from the driver, owned by this query. */
function decodeRows<R>(result: QueryResult<R>, decoders: ResultDecoders): QueryResult<R> {
  if (decoders.length === 0) return result;
  for (const row of result.rows as Record<string, unknown>[]) {
    for (const [name, decode] of decoders) {
      if (name in row) row[name] = decode(row[name] as SqlValue);
    }
  }
  return result;
}
