/**
 * Decoded typed reads: the dialect of `library.db`, so that rows come back as the models'
 * TypeScript types, as the generated `Database` declares them (booleans as booleans, JSON fields
 * parsed), and parameters are given as app values (`where('isPinned', '=', true)`). The stored
 * form stays inside: which result columns decode is `result-columns.ts`, the parameters
 * `read-parameters.ts`, the fields that need it `read-catalog.ts`, the rows `decoding-driver.ts`.
 *
 * A dialect around another, not a Kysely plugin: a plugin sees a query's node and its result
 * apart, tied only by a query id that every builder derived from one `selectFrom` shares, so two
 * such queries in flight would swap decoders. The driver gets each compiled query with its node.
 *
 * Cost: a query's node is analysed once (cached by the node, which Kysely reuses each time the
 * same builder or compiled query runs); per row, only the boolean and JSON columns it selects are
 * touched.
 */
import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler, RootOperationNode } from 'kysely';
import { DecodingDriver } from './decoding-driver.js';
import { readCatalog, type ModelSource, type ReadCatalog } from './read-catalog.js';
import { storedParameters } from './read-parameters.js';
import { resultDecoders, type ResultDecoders } from './result-columns.js';

export { tablesRead } from './tables-read.js';

/**
 * Wraps a SQLite dialect so that reads come back decoded: each result column that is a boolean
 * or JSON field (directly, aliased, through joins, subqueries, CTEs and unions) as the app's
 * value, NULL as null; expressions and aggregates other than `min`/`max` of a column as stored.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new DecodedReadsDialect(new SqliteDialect({ database }), registry) });
 * const pinned = await db.selectFrom('tag').select(['name', 'isPinned']).where('isPinned', '=', true).execute();
 * // [{ name: 'Holidays', isPinned: true }]
 */
export class DecodedReadsDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #catalog: ReadCatalog;
  /** A query's node, and the same with its parameters in stored form. */
  readonly #stored = new WeakMap<RootOperationNode, RootOperationNode>();
  /** A compiled query's node, and the result columns it decodes. */
  readonly #decoders = new WeakMap<RootOperationNode, ResultDecoders>();

  constructor(inner: Dialect, models: ModelSource) {
    this.#inner = inner;
    this.#catalog = readCatalog(models);
  }

  createDriver(): Driver {
    return new DecodingDriver(this.#inner.createDriver(), (query) => this.#decodersOf(query));
  }

  createQueryCompiler(): QueryCompiler {
    const compiler = this.#inner.createQueryCompiler();
    return { compileQuery: (node, queryId) => compiler.compileQuery(this.#storedOf(node), queryId) };
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.#inner.createIntrospector(db);
  }

  #storedOf(node: RootOperationNode): RootOperationNode {
    let stored = this.#stored.get(node);
    if (stored === undefined) {
      stored = storedParameters(node);
      this.#stored.set(node, stored);
    }
    return stored;
  }

  #decodersOf(query: RootOperationNode): ResultDecoders {
    let decoders = this.#decoders.get(query);
    if (decoders === undefined) {
      decoders = resultDecoders(query, this.#catalog);
      this.#decoders.set(query, decoders);
    }
    return decoders;
  }
}
