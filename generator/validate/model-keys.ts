/**
 * The two fields `x-sync` singles out: the primary key, which identifies a record on every device,
 * and a stateBased model's owner, which holds the device that alone may write it. Both must be
 * non-null UUID fields of the model.
 */
import type { Strategy } from 'syncgen/contract';
import type { FieldSpec } from '../model-spec.js';
import type { Report } from './issue-list.js';
import { suggestion } from './keywords.js';
import { escapePointer, type Json } from './schema-json.js';

export function checkPrimaryKey(primaryKey: unknown, properties: Json, fields: ReadonlyMap<string, FieldSpec>, report: Report): void {
  if (typeof primaryKey !== 'string' || !(primaryKey in properties)) {
    report(
      'missing-primary-key',
      '/x-sync/primaryKey',
      primaryKey === undefined ? 'the model has no primary key' : `the primary key ${JSON.stringify(primaryKey)} names no field of the model`,
      'Set "primaryKey" to a field declared as { "type": "string", "format": "uuid" }',
    );
    return;
  }
  const key = fields.get(primaryKey);
  if (key && (key.kind !== 'uuid' || key.nullable)) {
    report(
      'primary-key-not-uuid',
      `/properties/${escapePointer(primaryKey)}`,
      `the primary key "${primaryKey}" is not a non-null UUID`,
      'Declare it as { "type": "string", "format": "uuid" }',
    );
  }
  if (key?.perDevice) {
    report(
      'invalid-value',
      `/properties/${escapePointer(primaryKey)}/x-sync/perDevice`,
      'the primary key cannot be perDevice',
      'Remove perDevice from the primary key',
    );
  }
}

/** `strategy` is undefined when the model's own is missing or unknown (already reported). */
export function checkOwner(owner: unknown, strategy: Strategy | undefined, properties: Json, fields: ReadonlyMap<string, FieldSpec>, report: Report): void {
  if (strategy === 'stateBased' && owner === undefined) {
    report(
      'missing-owner',
      '/x-sync/owner',
      'a stateBased model needs the field that holds its owning device',
      'Add "owner": "<field>" naming a uuid field with the device id (a Device model may name its own primary key)',
    );
  } else if (owner !== undefined && strategy !== undefined && strategy !== 'stateBased') {
    report('invalid-owner', '/x-sync/owner', `a ${strategy} model has no owning device`, 'Remove "owner", or make the model stateBased');
  } else if (owner !== undefined) {
    const ownerField = typeof owner === 'string' ? fields.get(owner) : undefined;
    if (typeof owner !== 'string' || !(owner in properties)) {
      report(
        'unknown-field',
        '/x-sync/owner',
        `the owner ${JSON.stringify(owner)} names no field of the model`,
        suggestion(String(owner), Object.keys(properties), 'Name one of'),
      );
    } else if (ownerField && (ownerField.kind !== 'uuid' || ownerField.nullable)) {
      report(
        'invalid-owner',
        `/properties/${escapePointer(owner)}`,
        `the owner field "${owner}" is not a non-null UUID`,
        'Declare it as { "type": "string", "format": "uuid" }',
      );
    }
  }
}
