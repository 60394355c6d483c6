/**
 * A model's declared indexes (`x-sync.indexes`). An index lives in the main table, so it may name
 * shared fields only; a unique index is refused, since no device can enforce it against records
 * that other devices create at the same time.
 */
import type { FieldSpec, IndexDefinition } from '../model-spec.js';
import type { Report } from './issue-list.js';
import { checkKeywords, INDEX_KEYWORDS, suggestion } from './keywords.js';
import { isObject } from './schema-json.js';

export function parseIndexes(value: unknown, fields: ReadonlyMap<string, FieldSpec>, report: Report): IndexDefinition[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    report('invalid-value', '/x-sync/indexes', 'indexes must be an array', 'Write "indexes": [{ "fields": ["name"] }]');
    return [];
  }
  const indexes: IndexDefinition[] = [];
  value.forEach((index: unknown, position) => {
    const at = `/x-sync/indexes/${position}`;
    if (!isObject(index)) {
      report('invalid-value', at, 'an index must be an object', 'Write { "fields": ["name"] }');
      return;
    }
    checkKeywords(index, at, INDEX_KEYWORDS, 'index keyword', report);
    const names = index.fields;
    if (!Array.isArray(names) || names.length === 0 || !names.every((item) => typeof item === 'string')) {
      report('invalid-value', `${at}/fields`, 'an index needs a non-empty list of field names', 'Write "fields": ["name"]');
      return;
    }
    let valid = true;
    names.forEach((fieldName: string, fieldPosition) => {
      const field = fields.get(fieldName);
      if (!field) {
        report(
          'unknown-field',
          `${at}/fields/${fieldPosition}`,
          `the index names "${fieldName}", which is not a field`,
          suggestion(fieldName, [...fields.keys()], 'Name one of'),
        );
        valid = false;
      } else if (field.perDevice) {
        report('invalid-value', `${at}/fields/${fieldPosition}`, `the perDevice field "${fieldName}" cannot be indexed`, 'Index shared fields only');
        valid = false;
      }
    });
    if (index.unique !== undefined && index.unique !== false) {
      report(
        'unsafe-unique-index',
        `${at}/unique`,
        'a unique index cannot hold across devices that write and apply changes in different orders',
        'Remove "unique", and derive the primary key from the unique fields (e.g. a UUIDv5) so equal records share one key',
      );
      valid = false;
    }
    if (valid) indexes.push({ fields: names as string[], unique: false });
  });
  return indexes;
}
