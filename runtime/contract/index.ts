/**
 * `syncgen/contract`: what the generator (`@syncgen/cli`) shares with the runtime — the field-kind
 * table, the storage column names and the adapter types. Generated code imports `syncgen/codegen`
 * instead; apps import neither.
 */
export { assertNever } from '../core/assert-never.js';
export { ValueError } from './column-codecs.js';
export {
  codecFor,
  FIELD_KINDS,
  kindDeclaredAs,
  tsStringLiteral,
  type ConstraintKeyword,
  type FieldConstraints,
  type FieldKind,
  type FieldShape,
  type SqlType,
} from './field-kinds.js';
export type { DeviceSql, ModelSql, OnDelete, Strategy } from './model-adapter.js';
export { clockColumn, CREATE_CLOCK_COLUMN, DEVICE_COLUMN, deviceTableName, modelTableName, RECORD_COLUMN, VERSION_COLUMN } from './storage-columns.js';
