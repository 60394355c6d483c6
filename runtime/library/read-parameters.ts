/**
 * Query parameters in their stored form, so that a typed query compares app values: SQLite has no
 * boolean (better-sqlite3 binds none: `true` becomes 1, `false` 0), and a JSON field holds its
 * value's JSON text (a plain object or array becomes `JSON.stringify` of it, which is how the
 * field's codec stores it, so `=` matches a value written with the same key order). Kysely turns
 * an array on the right of `=` into a list, `(?, ?)`: compared with any operator but `in` and
 * `not in`, such a list is one JSON array value. Literals (`sql.lit`, `is true`) are SQL already.
 */
import {
  BinaryOperationNode,
  OperationNodeTransformer,
  PrimitiveValueListNode,
  ValueNode,
  type OperationNode,
  type OperatorNode,
  type RootOperationNode,
} from 'kysely';
import { forEachChild } from './query-nodes.js';

/** `node` with its parameters in stored form; `node` itself when none needs it (most queries). */
export function storedParameters(node: RootOperationNode): RootOperationNode {
  return needsEncoding(node) ? new ParameterEncoder().transformNode(node) : node;
}

class ParameterEncoder extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return node.immediate === true || !encodes(node.value) ? node : ValueNode.create(encodeParameter(node.value));
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return node.values.some(encodes) ? PrimitiveValueListNode.create(node.values.map(encodeParameter)) : node;
  }

  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    if (!isJsonArrayList(node)) return super.transformBinaryOperation(node);
    const { values } = node.rightOperand as PrimitiveValueListNode;
    return BinaryOperationNode.create(this.transformNode(node.leftOperand), node.operator, ValueNode.create(JSON.stringify(values)));
  }
}

function needsEncoding(node: OperationNode): boolean {
  switch (node.kind) {
    case 'ValueNode':
      return (node as ValueNode).immediate !== true && encodes((node as ValueNode).value);
    case 'PrimitiveValueListNode':
      return (node as PrimitiveValueListNode).values.some(encodes);
    case 'BinaryOperationNode':
      if (isJsonArrayList(node as BinaryOperationNode)) return true;
  }
  let found = false;
  forEachChild(node, (child) => {
    found ||= needsEncoding(child);
  });
  return found;
}

/** An array compared with `=`, `!=`, `<>` ...: Kysely made it a list; it is one JSON value. */
function isJsonArrayList(node: BinaryOperationNode): boolean {
  if (node.rightOperand.kind !== 'PrimitiveValueListNode' || node.operator.kind !== 'OperatorNode') return false;
  const { operator } = node.operator as OperatorNode;
  return operator !== 'in' && operator !== 'not in';
}

function encodes(value: unknown): boolean {
  return typeof value === 'boolean' || isJsonValue(value);
}

function encodeParameter(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return isJsonValue(value) ? JSON.stringify(value) : value;
}

/** A plain object or an array: bytes (`Uint8Array`), dates and class instances are bound as they are. */
function isJsonValue(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
