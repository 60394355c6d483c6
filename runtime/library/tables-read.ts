/**
 * The tables a query reads, from its operation node: what a live query must watch.
 */
import type { OperationNode, RootOperationNode, TableNode } from 'kysely';
import { cteNames, forEachChild, tableName, withOf } from './query-nodes.js';

/**
 * Every table a query names as a source: its FROM and joins, and those of every subquery (in
 * FROM, in selections, in WHERE) and CTE body; a CTE's own name is not a table. Sorted, once each.
 * SQL inside `sql` template text is not parsed: only tables given as nodes (`sql.table('tag')`)
 * count. For a write, the table written counts too.
 *
 * @example
 * const query = library.db.selectFrom('tag').innerJoin('tag_on_entry', 'tag_on_entry.tagId', 'tag.id').selectAll('tag');
 * tablesRead(query.toOperationNode()); // ['tag', 'tag_on_entry']
 */
export function tablesRead(node: RootOperationNode): string[] {
  const tables = new Set<string>();
  collect(node, new Set(), tables);
  return [...tables].sort();
}

function collect(node: OperationNode, ctes: ReadonlySet<string>, into: Set<string>): void {
  // `t.column` and `selectAll('t')` name a source of the query, which its FROM already counted.
  if (node.kind === 'ReferenceNode' || node.kind === 'CommonTableExpressionNameNode') return;
  if (node.kind === 'TableNode') {
    const name = tableName(node as TableNode);
    if (!ctes.has(name)) into.add(name);
    return;
  }
  const names = cteNames(withOf(node));
  // A CTE's name hides a table of the same name in the whole statement, its bodies included.
  const scope = names.length === 0 ? ctes : new Set([...ctes, ...names]);
  forEachChild(node, (child) => collect(child, scope, into));
}
