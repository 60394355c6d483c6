/**
 * syncgen's runtime: what generated code and apps import (`syncgen/runtime`).
 */
export { columns, ValueError } from './column-codecs.js';
export type { ColumnCodec, NumberConstraints, TextConstraints } from './column-codecs.js';
export { defineRegistry, RegistryError } from './registry.js';
export type { Registry, RegistryDefinition } from './registry.js';
export type {
  AnyModelAdapter,
  CreateInput,
  DeviceSql,
  FieldDescriptor,
  FieldKind,
  ModelAdapter,
  ModelSql,
  OnDelete,
  RecordOf,
  ReferenceDescriptor,
  SqlValue,
  Strategy,
  UpdateInput,
} from './model-adapter.js';
