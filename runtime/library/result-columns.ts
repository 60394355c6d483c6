/**
 * Which result columns of a SELECT read back decoded: each result column resolved to the table
 * column it comes from, through plain and qualified references (`isPinned`, `t.isPinned`),
 * aliases (`isPinned as pinned`), `selectAll()` and `selectAll('t')`, table aliases, joins,
 * subqueries in FROM, in selections (a scalar subquery) and CTEs (recursive ones too, by their
 * first arm), unions whose arms agree, and `min`/`max` of a column (they return one of its stored
 * values). Any other expression (an aggregate such as `count` or `sum`, arithmetic, a function,
 * `sql` text, a JSON path) is left as stored: its value is not a field's.
 */
import type {
  AggregateFunctionNode,
  AliasNode,
  ColumnNode,
  CommonTableExpressionNode,
  OperationNode,
  ReferenceNode,
  RootOperationNode,
  SelectQueryNode,
  TableNode,
  WithNode,
} from 'kysely';
import { identifierName, tableName } from './query-nodes.js';
import type { DecodedColumn, ReadCatalog } from './read-catalog.js';

/** The columns of a query's rows to decode, by name. */
export type ResultDecoders = readonly (readonly [name: string, decode: DecodedColumn['decode']])[];

/**
 * A source as a query sees it: its columns by name (decoded or not). `ordered` when the names and
 * their order are all known (explicit selections), which positional matches need: a CTE's column
 * list, the arms of a union, a scalar subquery's one column.
 */
interface Relation {
  readonly columns: ReadonlyMap<string, DecodedColumn | undefined>;
  readonly ordered: boolean;
}

/** A source of one SELECT (a table, a CTE, a subquery) by the name the query gives it. */
interface Source {
  readonly name: string | undefined;
  readonly relation: Relation;
}

/** The sources of one SELECT, and those of the queries around it (a correlated subquery reads them). */
interface Scope {
  readonly sources: Source[];
  readonly outer: Scope | undefined;
}

type Ctes = ReadonlyMap<string, Relation>;

const UNKNOWN: Relation = { columns: new Map(), ordered: false };

/** The result columns of `node` that decode; none for anything but a SELECT. */
export function resultDecoders(node: RootOperationNode, catalog: ReadCatalog): ResultDecoders {
  if (node.kind !== 'SelectQueryNode' || node.explain !== undefined) return [];
  const decoders: [string, DecodedColumn['decode']][] = [];
  for (const [name, column] of new Resolver(catalog).select(node, new Map(), undefined).columns) {
    if (column !== undefined) decoders.push([name, column.decode]);
  }
  return decoders;
}

class Resolver {
  constructor(private readonly catalog: ReadCatalog) {}

  select(node: SelectQueryNode, outerCtes: Ctes, outer: Scope | undefined): Relation {
    const ctes = this.withCtes(node.with, outerCtes, outer);
    const first = this.firstArm(node, ctes, outer);
    return (node.setOperations ?? []).reduce((result, arm) => agree(result, this.query(arm.expression, ctes, outer)), first);
  }

  /** A query where a relation is expected: a CTE body, a union's arm, a subquery. */
  private query(node: OperationNode, ctes: Ctes, outer: Scope | undefined): Relation {
    return node.kind === 'SelectQueryNode' ? this.select(node as SelectQueryNode, ctes, outer) : UNKNOWN;
  }

  /** A SELECT without its set operations; `ctes` include its own. */
  private firstArm(node: SelectQueryNode, ctes: Ctes, outer: Scope | undefined): Relation {
    const scope: Scope = { sources: [], outer };
    for (const from of [...(node.from?.froms ?? []), ...(node.joins ?? []).map((join) => join.table)]) {
      scope.sources.push(this.source(from, ctes, scope));
    }
    const columns = new Map<string, DecodedColumn | undefined>();
    let ordered = true;
    const add = (name: string, column: DecodedColumn | undefined) => {
      // A name twice: the row holds the last one, and positions no longer match names.
      if (columns.has(name)) ordered = false;
      columns.delete(name);
      columns.set(name, column);
    };
    for (const { selection } of node.selections ?? []) {
      const all = selectAllOf(selection, scope);
      if (all !== undefined) {
        if (all.length === 0) ordered = false;
        for (const { relation } of all) {
          ordered &&= relation.ordered;
          for (const [name, column] of relation.columns) add(name, column);
        }
        continue;
      }
      const name = selection.kind === 'AliasNode' ? identifierName((selection as AliasNode).alias) : columnRef(selection)?.column;
      if (name === undefined) ordered = false;
      else add(name, this.expression(selection.kind === 'AliasNode' ? (selection as AliasNode).node : selection, ctes, scope));
    }
    return { columns, ordered };
  }

  /** The CTEs visible in a query: those around it, then its own in order (each sees the ones before). */
  private withCtes(node: WithNode | undefined, ctes: Ctes, outer: Scope | undefined): Ctes {
    if (node === undefined) return ctes;
    const visible = new Map(ctes);
    for (const cte of node.expressions) {
      const name = cte.name.table.table.identifier.name;
      // A recursive CTE reads itself; its columns are those of its first arm.
      if (node.recursive === true && cte.expression.kind === 'SelectQueryNode') {
        const body = cte.expression as SelectQueryNode;
        visible.set(name, renamed(this.firstArm(body, this.withCtes(body.with, visible, outer), outer), cte));
      }
      visible.set(name, renamed(this.query(cte.expression, visible, outer), cte));
    }
    return visible;
  }

  private source(node: OperationNode, ctes: Ctes, scope: Scope): Source {
    if (node.kind === 'AliasNode') {
      const { node: aliased, alias } = node as AliasNode;
      return { name: identifierName(alias), relation: this.relation(aliased, ctes, scope) };
    }
    const name = node.kind === 'TableNode' ? (node as TableNode).table.identifier.name : undefined;
    return { name, relation: this.relation(node, ctes, scope) };
  }

  private relation(node: OperationNode, ctes: Ctes, scope: Scope): Relation {
    if (node.kind !== 'TableNode') return this.query(node, ctes, scope);
    const name = tableName(node as TableNode);
    const cte = ctes.get(name);
    if (cte !== undefined) return cte;
    const columns = this.catalog.get(name);
    return columns === undefined ? UNKNOWN : { columns, ordered: false };
  }

  /** The decoded column an expression's value is, if it is one. */
  private expression(node: OperationNode, ctes: Ctes, scope: Scope): DecodedColumn | undefined {
    if (node.kind === 'SelectQueryNode') {
      const { columns, ordered } = this.select(node as SelectQueryNode, ctes, scope);
      return ordered && columns.size === 1 ? columns.values().next().value : undefined;
    }
    if (node.kind === 'AggregateFunctionNode') {
      const { func, aggregated } = node as AggregateFunctionNode;
      const keepsValue = (func === 'min' || func === 'max') && aggregated.length === 1;
      return keepsValue ? this.expression(aggregated[0]!, ctes, scope) : undefined;
    }
    const ref = columnRef(node);
    if (ref === undefined) return undefined;
    for (let at: Scope | undefined = scope; at !== undefined; at = at.outer) {
      const source =
        ref.table === undefined ? at.sources.find(({ relation }) => relation.columns.has(ref.column)) : at.sources.find(({ name }) => name === ref.table);
      if (source !== undefined) return source.relation.columns.get(ref.column);
    }
    return undefined;
  }
}

/** The sources a `selectAll()` (all of them) or `selectAll('t')` reads, or undefined for another selection. */
function selectAllOf(selection: OperationNode, scope: Scope): readonly Source[] | undefined {
  if (selection.kind === 'SelectAllNode') return scope.sources;
  if (selection.kind !== 'ReferenceNode') return undefined;
  const { column, table } = selection as ReferenceNode;
  if (column.kind !== 'SelectAllNode') return undefined;
  const name = table?.table.identifier.name;
  return scope.sources.filter((source) => source.name === name);
}

/** `column` or `table.column`, from a reference or a bare column node. */
function columnRef(node: OperationNode): { readonly table: string | undefined; readonly column: string } | undefined {
  if (node.kind === 'ColumnNode') return { table: undefined, column: (node as ColumnNode).column.name };
  if (node.kind !== 'ReferenceNode') return undefined;
  const { column, table } = node as ReferenceNode;
  return column.kind === 'ColumnNode' ? { table: table?.table.identifier.name, column: column.column.name } : undefined;
}

/** A CTE's relation under its column list (`with t(a, b) as ...`), matched by position. */
function renamed(body: Relation, cte: CommonTableExpressionNode): Relation {
  const names = cte.name.columns?.map((column) => column.column.name);
  if (names === undefined) return body;
  const values = body.ordered && body.columns.size === names.length ? [...body.columns.values()] : [];
  return { columns: new Map(names.map((name, index) => [name, values[index]])), ordered: true };
}

/**
 * A union's (intersect's, except's) rows take the first arm's names; a column decodes only when
 * every arm gives it from a field of the same kind (by position when both arms' columns are
 * ordered, else by name).
 */
function agree(first: Relation, arm: Relation): Relation {
  const byPosition = first.ordered && arm.ordered && first.columns.size === arm.columns.size ? [...arm.columns.values()] : undefined;
  const columns = new Map<string, DecodedColumn | undefined>();
  let index = 0;
  for (const [name, column] of first.columns) {
    const other = byPosition === undefined ? arm.columns.get(name) : byPosition[index];
    index += 1;
    columns.set(name, column !== undefined && other?.kind === column.kind ? column : undefined);
  }
  return { columns, ordered: first.ordered };
}
