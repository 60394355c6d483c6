/**
 * One field of a model: its name, its type (`field-type.ts`), its `x-sync` keywords (perDevice, a
 * reference), its constraints and its default, checked with the very codec the generated adapter
 * will use, so a default the adapter would refuse never reaches a database.
 */
import { ValueError } from 'syncgen/contract';
import { codecFor } from 'syncgen/contract';
import type { Strategy } from 'syncgen/contract';
import type { FieldSpec, JsonValue } from '../model-spec.js';
import { parseConstraints } from './constraints.js';
import { fieldType } from './field-type.js';
import type { Report } from './issue-list.js';
import { checkKeywords, COMPOSITION_KEYWORDS, FIELD_KEYWORDS, FIELD_SYNC_KEYWORDS } from './keywords.js';
import { camelCase, FIELD_NAME } from './names.js';
import { parseReference } from './reference.js';
import { parseRenamedFrom } from './renamed-from.js';
import { escapePointer, findKeyword, isObject } from './schema-json.js';

/** `strategy` is undefined when the model's own is missing or unknown (already reported). */
export function parseField(name: string, schema: unknown, required: boolean, strategy: Strategy | undefined, report: Report): FieldSpec | undefined {
  const at = `/properties/${escapePointer(name)}`;
  if (!FIELD_NAME.test(name)) {
    report('invalid-name', at, `the field name "${name}" is not camelCase letters and digits`, `Rename it, e.g. to "${camelCase(name)}"`);
  }
  if (!isObject(schema)) {
    report('unstorable-type', at, 'a field schema must be an object', 'Write e.g. { "type": "string" }');
    return undefined;
  }
  checkKeywords(schema, at, [...FIELD_KEYWORDS, ...COMPOSITION_KEYWORDS], 'keyword', report);
  const composition = Object.keys(schema).filter((keyword) => COMPOSITION_KEYWORDS.includes(keyword));
  for (const keyword of composition) {
    report(
      'unstorable-type',
      `${at}/${escapePointer(keyword)}`,
      `"${keyword}" gives a field no single column type`,
      'Use one "type" (with "null" for optional values), "enum", or "type": "object" / "array" for JSON',
    );
  }
  const type = composition.length > 0 ? undefined : fieldType(schema, at, report);
  const sync = schema['x-sync'];
  let perDevice = false;
  let reference: FieldSpec['reference'];
  let renamedFrom: string | undefined;
  if (sync !== undefined && !isObject(sync)) {
    report('invalid-value', `${at}/x-sync`, 'x-sync must be an object', 'Write e.g. "x-sync": { "references": "Location", "onDelete": "cascade" }');
  } else if (sync) {
    checkKeywords(sync, `${at}/x-sync`, FIELD_SYNC_KEYWORDS, 'sync keyword', report);
    if (sync.perDevice !== undefined && typeof sync.perDevice !== 'boolean') {
      report('invalid-value', `${at}/x-sync/perDevice`, 'perDevice must be true or false', 'Write "perDevice": true');
    }
    perDevice = sync.perDevice === true;
    if (perDevice && strategy !== undefined && strategy !== 'hybrid') {
      report(
        'per-device-not-hybrid',
        `${at}/x-sync/perDevice`,
        `a perDevice field in a ${strategy} model`,
        'Set the model\'s "strategy" to "hybrid", or remove perDevice',
      );
    }
    reference = parseReference(sync, at, type, perDevice, report);
    renamedFrom = parseRenamedFrom(sync.renamedFrom, at, name, FIELD_NAME, 'field', report);
  }
  if (!type) return undefined;
  if (type.kind === 'json') {
    const nested = findKeyword(schema, '$ref', at);
    if (nested) report('unstorable-type', nested, 'a $ref inside a JSON field is not supported', 'Inline the referenced schema');
  }
  const constraints = parseConstraints(schema, at, type.kind, report);
  const spec: FieldSpec = {
    name,
    ...type,
    optionalOnCreate: !required,
    default: schema.default as JsonValue | undefined,
    perDevice,
    constraints,
    reference,
    renamedFrom,
  };
  if (spec.default !== undefined) {
    try {
      codecFor(spec).encode(spec.default);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      report(
        'invalid-default',
        `${at}/default`,
        `the default ${JSON.stringify(spec.default)} is not ${error.expected}`,
        'Give a default that the field can hold',
      );
    }
  }
  if (!required && !spec.nullable && spec.default === undefined) {
    report(
      'optional-without-default',
      at,
      `"${name}" is not required but has neither a default nor null in its type`,
      `Add it to "required", give it a "default", or allow null with "type": [..., "null"]`,
    );
  } else if (perDevice && !spec.nullable && spec.default === undefined) {
    report('optional-without-default', at, `the perDevice field "${name}" has no value on devices that never set it`, 'Give it a "default", or allow null');
  }
  return spec;
}
