/**
 * The runtime's codegen surface (`syncgen/runtime/codegen`): every symbol generated code may
 * import, and nothing else. Apps import `syncgen/runtime`. The generator's templates name only
 * these; a change here is a change of what generated code compiles against.
 */
export { columns } from './contract/column-codecs.js';
export type { ColumnCodec, NumberConstraints, TextConstraints } from './contract/column-codecs.js';
export { defineRegistry } from './contract/registry.js';
export type { Registry, RegistryDefinition } from './contract/registry.js';
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
