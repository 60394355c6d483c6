/**
 * The stored record's JSON Schema, the input of json-schema-to-typescript for the model's type:
 * the author's schema with everything that is not about the value's type taken out.
 */
import type { JsonValue } from '../model-spec.js';
import { isObject, type Json } from './schema-json.js';

/** The stored record's JSON Schema for json-schema-to-typescript: every field present, no sync keywords. */
export function typeSchema(name: string, root: Json, fieldNames: string[]): Record<string, JsonValue> {
  const properties = root.properties as Json;
  const clean: Record<string, JsonValue> = {};
  for (const fieldName of fieldNames) clean[fieldName] = stripAnnotations(properties[fieldName], true) as JsonValue;
  return {
    title: name,
    ...(typeof root.description === 'string' ? { description: root.description } : {}),
    type: 'object',
    additionalProperties: false,
    required: fieldNames,
    properties: clean,
  };
}

/** Removes sync keywords, defaults and nested titles (which would become separate named types). */
function stripAnnotations(value: unknown, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => stripAnnotations(item, false));
  if (!isObject(value)) return value;
  const result: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'x-sync' || key === 'default' || key === 'examples' || (key === 'title' && !top)) continue;
    result[key] =
      key === 'properties' && isObject(item)
        ? Object.fromEntries(Object.entries(item).map(([k, v]) => [k, stripAnnotations(v, false)]))
        : stripAnnotations(item, false);
  }
  return result;
}
