/**
 * The runtime's codegen surface (`syncgen/codegen`): every symbol generated code may
 * import, and nothing else. Apps import `syncgen`. The generator's templates name only
 * these; a change here is a change of what generated code compiles against.
 */
export { columns } from './contract/column-codecs.js';
export type { ColumnCodec, NumberConstraints, TextConstraints } from './contract/column-codecs.js';
export { defineRegistry } from './contract/registry.js';
export type { Registry, RegistryDefinition } from './contract/registry.js';
export type { FieldRename } from './contract/field-renames.js';
export { renameLoggedField, type LoggedModel } from './contract/rename-logged-field.js';
export type {
  AnyModelAdapter,
  DeviceSql,
  FieldDescriptor,
  FieldKind,
  ModelAdapter,
  ModelSql,
  OnDelete,
  ReferenceDescriptor,
  SqlValue,
  Strategy,
} from './contract/model-adapter.js';
// Generated migrations build on Kysely; they take it from here, so an app needs no direct
// dependency on kysely and sees the same Kysely types as the runtime's.
export { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
