/**
 * The keyword vocabulary of a schema file: which keywords a model, a field, an `x-sync` block and
 * an index may hold, the values of the closed ones, and the "did you mean" that turns a typo into
 * a fix. Field types and constraint keywords come from the runtime's field-kind table instead.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { OnDelete, Strategy } from 'syncgen/contract';
import type { Report } from './issue-list.js';
import { escapePointer, type Json } from './schema-json.js';

export const MODEL_KEYWORDS = ['$schema', '$id', '$comment', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'x-sync'];
export const FIELD_KEYWORDS = [
  'type',
  'format',
  'enum',
  'default',
  'description',
  'title',
  '$comment',
  'examples',
  'deprecated',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'items',
  'properties',
  'required',
  'additionalProperties',
  'x-sync',
];
/** Valid JSON Schema, but a field built with them has no single column type. */
export const COMPOSITION_KEYWORDS = ['$ref', 'oneOf', 'anyOf', 'allOf', 'not', 'const', 'if', 'then', 'else', 'patternProperties'];
/** Keywords that type a json field's nested value; on any other field they would be ignored. */
export const JSON_TYPING_KEYWORDS = ['items', 'properties', 'required', 'additionalProperties'];
export const MODEL_SYNC_KEYWORDS = ['id', 'strategy', 'primaryKey', 'owner', 'indexes', 'renamedFrom'];
export const FIELD_SYNC_KEYWORDS = ['perDevice', 'references', 'onDelete', 'renamedFrom'];
export const INDEX_KEYWORDS = ['fields', 'unique'];
export const STRATEGIES: readonly Strategy[] = ['stateBased', 'logBased', 'hybrid'];
export const ON_DELETE: readonly OnDelete[] = ['cascade', 'setNull'];

/** Reports every keyword of `object` that is not in `known`. */
export function checkKeywords(object: Json, at: string, known: readonly string[], what: string, report: Report): void {
  for (const keyword of Object.keys(object)) {
    if (known.includes(keyword)) continue;
    report('unknown-keyword', `${at}/${escapePointer(keyword)}`, `unknown ${what} "${keyword}"`, suggestion(keyword, known, 'Known ones are'));
  }
}

/** "Did you mean X?" when one candidate is close, else the list of candidates. */
export function suggestion(value: string, candidates: readonly string[], lead: string): string {
  if (candidates.length > 0) {
    const near = closest(value, [...candidates]);
    if (isNear(value, near)) return `Did you mean "${near}"?`;
  }
  return `${lead}: ${candidates.map((candidate) => `"${candidate}"`).join(', ')}`;
}

/** Close enough to be a typo: at most a third of the candidate's length in edits (two for short ones). */
export function isNear(value: string, candidate: string): boolean {
  const limit = Math.max(2, Math.floor(candidate.length / 3));
  return distance(value.toLowerCase(), candidate.toLowerCase()) <= limit;
}
