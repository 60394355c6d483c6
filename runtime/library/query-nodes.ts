/**
 * Small readers of Kysely's operation nodes, shared by the query analyses (`tables-read.ts`,
 * `result-columns.ts`, `read-parameters.ts`). Kysely's nodes are plain frozen objects, so a walk
 * needs no visitor per node kind.
 */
import type { OperationNode, TableNode, WithNode } from 'kysely';

/** Calls `visit` on every node directly under `node`. */
export function forEachChild(node: OperationNode, visit: (child: OperationNode) => void): void {
  // A value's payload is app data, not nodes: a JSON parameter may well have a `kind` property.
  if (node.kind === 'ValueNode' || node.kind === 'PrimitiveValueListNode') return;
  const record = node as unknown as Readonly<Record<string, unknown>>;
  for (const key in record) {
    const value = record[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item);
    } else if (isNode(value)) {
      visit(value);
    }
  }
}

function isNode(value: unknown): value is OperationNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/** A table's name as a query names it: `tag`, or `temp.tag` with a schema other than `main`. */
export function tableName(node: TableNode): string {
  const { schema, identifier } = node.table;
  return schema === undefined || schema.name === 'main' ? identifier.name : `${schema.name}.${identifier.name}`;
}

/** The names of the common table expressions of a `WITH`. */
export function cteNames(node: WithNode | undefined): string[] {
  return node === undefined ? [] : node.expressions.map((cte) => cte.name.table.table.identifier.name);
}

/** The `WITH` of a query node (select, insert, update, delete, merge), if it has one. */
export function withOf(node: OperationNode): WithNode | undefined {
  return (node as { readonly with?: WithNode }).with;
}

/** The name an identifier node holds, or undefined for any other node. */
export function identifierName(node: OperationNode): string | undefined {
  return node.kind === 'IdentifierNode' ? (node as unknown as { readonly name: string }).name : undefined;
}
