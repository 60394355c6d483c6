/**
 * The order in which models depend on each other through references: parents before children,
 * so that applying changes in this order never meets a missing referent it could have had.
 */
import type { ModelSpec } from './model-spec.js';
import { compareText } from './naming.js';

/** A reference from `model.field` to the model `target`. */
export interface ReferenceEdge {
  readonly model: string;
  readonly field: string;
  readonly target: string;
  readonly nullable: boolean;
}

export function referenceEdges(models: readonly ModelSpec[]): ReferenceEdge[] {
  return models.flatMap((model) =>
    model.fields.flatMap((field) =>
      field.reference ? [{ model: model.name, field: field.name, target: field.reference.model, nullable: field.nullable }] : [],
    ),
  );
}

/**
 * Cycles made only of required references (a record in one could never be created first). One
 * shortest cycle per strongly connected group, starting at its first model by name.
 */
export function findReferenceCycles(models: readonly ModelSpec[]): ReferenceEdge[][] {
  const names = new Set(models.map((model) => model.name));
  const required = referenceEdges(models)
    .filter((edge) => !edge.nullable && names.has(edge.target))
    .sort((a, b) => compareText(a.model, b.model) || compareText(a.field, b.field));
  const cycles: ReferenceEdge[][] = [];
  for (const group of stronglyConnected([...names].sort(compareText), required)) {
    const start = group[0]!;
    const members = new Set(group);
    // Breadth-first from the start back to itself gives the shortest cycle through it.
    const via = new Map<string, ReferenceEdge>();
    const queue = [start];
    let closing: ReferenceEdge | undefined;
    while (queue.length > 0 && !closing) {
      const current = queue.shift()!;
      for (const edge of required) {
        if (edge.model !== current || !members.has(edge.target)) continue;
        if (edge.target === start) {
          closing = edge;
          break;
        }
        if (!via.has(edge.target)) {
          via.set(edge.target, edge);
          queue.push(edge.target);
        }
      }
    }
    if (!closing) continue;
    const cycle = [closing];
    for (let at = closing.model; at !== start; ) {
      const edge = via.get(at)!;
      cycle.unshift(edge);
      at = edge.model;
    }
    cycles.push(cycle);
  }
  return cycles;
}

/**
 * Models with parents first: Kahn's algorithm taking the first ready model by name. Where only
 * nullable references hold a cycle together, they are set aside for one step (a child in such a
 * cycle can be created with the reference empty).
 */
export function dependencyOrder(models: readonly ModelSpec[]): ModelSpec[] {
  const byName = new Map(models.map((model) => [model.name, model]));
  const edges = referenceEdges(models).filter((edge) => edge.model !== edge.target && byName.has(edge.target));
  const remaining = new Set(byName.keys());
  const order: ModelSpec[] = [];
  const readyModels = (ignoreNullable: boolean) =>
    [...remaining]
      .filter((name) => !edges.some((edge) => edge.model === name && remaining.has(edge.target) && !(ignoreNullable && edge.nullable)))
      .sort(compareText);
  while (remaining.size > 0) {
    const next = readyModels(false)[0] ?? readyModels(true)[0];
    if (next === undefined) throw new Error(`required references form a cycle among ${[...remaining].join(', ')}`);
    order.push(byName.get(next)!);
    remaining.delete(next);
  }
  return order;
}

/** Tarjan's strongly connected components that contain a cycle (size > 1, or a self-reference). */
function stronglyConnected(nodes: string[], edges: ReferenceEdge[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const edge of edges) {
      if (edge.model !== node) continue;
      if (!index.has(edge.target)) {
        visit(edge.target);
        low.set(node, Math.min(low.get(node)!, low.get(edge.target)!));
      } else if (onStack.has(edge.target)) {
        low.set(node, Math.min(low.get(node)!, index.get(edge.target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    const selfLoop = edges.some((edge) => edge.model === node && edge.target === node);
    if (group.length > 1 || selfLoop) groups.push(group.sort(compareText));
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return groups.sort((a, b) => compareText(a[0]!, b[0]!));
}
