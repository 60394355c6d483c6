/**
 * A field's reference to another model (`x-sync.references` and `onDelete`): a shared uuid field
 * holding the referent's key, and what happens to this record when the referent is deleted.
 * Whether the referenced model exists is checked across models, once every title is known.
 */
import type { OnDelete } from 'syncgen/contract';
import type { FieldSpec } from '../model-spec.js';
import type { FieldType } from './field-type.js';
import type { Report } from './issue-list.js';
import { ON_DELETE, suggestion } from './keywords.js';
import type { Json } from './schema-json.js';

/** `type` is undefined when the field's own type has a problem (already reported). */
export function parseReference(sync: Json, at: string, type: FieldType | undefined, perDevice: boolean, report: Report): FieldSpec['reference'] {
  const { references, onDelete } = sync;
  if (references === undefined) {
    if (onDelete !== undefined) {
      report('missing-keyword', `${at}/x-sync/references`, 'onDelete without references', 'Add "references": "<Model>", or remove onDelete');
    }
    return undefined;
  }
  if (typeof references !== 'string') {
    report('invalid-value', `${at}/x-sync/references`, 'references must be a model name', 'Write "references": "Location"');
    return undefined;
  }
  if (type && type.kind !== 'uuid') {
    report(
      'invalid-reference',
      `${at}/x-sync/references`,
      `a reference must be a uuid field, not ${type.kind}`,
      'Declare the field as { "type": "string", "format": "uuid" }',
    );
  }
  if (perDevice) {
    report('invalid-reference', `${at}/x-sync/references`, 'a perDevice field cannot reference another model', 'Move the reference to a shared field');
  }
  if (onDelete === undefined) {
    report(
      'missing-keyword',
      `${at}/x-sync/onDelete`,
      `the reference to ${references} does not say what happens when the ${references} is deleted`,
      'Add "onDelete": "cascade" (delete this record too) or "setNull" (clear this field)',
    );
    return undefined;
  }
  if (!ON_DELETE.includes(onDelete as OnDelete)) {
    report('invalid-value', `${at}/x-sync/onDelete`, `unknown onDelete ${JSON.stringify(onDelete)}`, suggestion(String(onDelete), ON_DELETE, 'Use one of'));
    return undefined;
  }
  if (onDelete === 'setNull' && type && !type.nullable) {
    report(
      'invalid-reference',
      `${at}/x-sync/onDelete`,
      'onDelete setNull on a field that cannot be null',
      'Allow null with "type": ["string", "null"], or use "cascade"',
    );
  }
  return { model: references, onDelete: onDelete as OnDelete };
}
