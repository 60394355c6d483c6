/**
 * The generator's intermediate form of a validated model: what the emitters and the storage
 * layout read. Built only by the schema validator, so every value here is already checked.
 */
import type { FieldConstraints, FieldKind } from 'syncgen/contract';
import type { OnDelete, Strategy } from 'syncgen/contract';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ModelSpec {
  /** The schema's title, PascalCase (`UserMetadata`). */
  readonly name: string;
  readonly id: number;
  /** The schema file as given to the generator (`schema/user-metadata.json`). */
  readonly file: string;
  readonly accessor: string;
  readonly table: string;
  readonly fileStem: string;
  readonly description: string | undefined;
  /** The name the model had in the last schema version (`x-sync.renamedFrom`): its tables are renamed, its id kept. */
  readonly renamedFrom: string | undefined;
  readonly strategy: Strategy;
  readonly primaryKey: string;
  readonly owner: string | null;
  /** The primary key first, then the others in schema order. */
  readonly fields: readonly FieldSpec[];
  readonly indexes: readonly IndexDefinition[];
  /** The JSON Schema of the stored record, sync keywords removed, for json-schema-to-typescript. */
  readonly typeSchema: Record<string, JsonValue>;
}

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly nullable: boolean;
  /** A create may omit it: the primary key, the owner field, or a field that is not `required`. */
  readonly optionalOnCreate: boolean;
  readonly default: JsonValue | undefined;
  readonly perDevice: boolean;
  readonly enumValues: readonly (string | number)[] | undefined;
  /** For json fields: whether the value is an object or an array. */
  readonly jsonShape: 'object' | 'array' | undefined;
  readonly constraints: FieldConstraints;
  readonly reference: { readonly model: string; readonly onDelete: OnDelete } | undefined;
  /** The name the field had in the last schema version (`x-sync.renamedFrom`): its column is renamed, its values kept. */
  readonly renamedFrom: string | undefined;
}

export type { FieldConstraints };

export interface IndexDefinition {
  readonly fields: readonly string[];
  readonly unique: boolean;
}

/** What identifies a model and owns its records, the same on every device (a hash and the history both record it). */
export type ModelIdentity = Pick<ModelSpec, 'name' | 'id' | 'strategy' | 'primaryKey' | 'owner'>;

/** A model's identity alone, keys in this order (the order of the schema hash's input and of a history file). */
export function modelIdentity(model: ModelSpec): ModelIdentity {
  return { name: model.name, id: model.id, strategy: model.strategy, primaryKey: model.primaryKey, owner: model.owner };
}

/** The fields that live in the model's main table (all but a hybrid model's perDevice fields). */
export function sharedFields(model: ModelSpec): FieldSpec[] {
  return model.fields.filter((field) => !field.perDevice);
}

export function perDeviceFields(model: ModelSpec): FieldSpec[] {
  return model.fields.filter((field) => field.perDevice);
}

/** Shared fields other than the primary key: the ones that carry a per-field HLC or the version. */
export function valueFields(model: ModelSpec): FieldSpec[] {
  return sharedFields(model).filter((field) => field.name !== model.primaryKey);
}
