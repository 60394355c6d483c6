/**
 * Names of the columns and tables that syncgen adds beside a model's fields, defined once: the
 * generator lays tables out with them and the runtime reads rows by them. Meta columns start with
 * `_`, which field names cannot, so they never clash with fields.
 */

/** A logBased or hybrid row's create clock: the clock of each field whose own clock column is NULL. */
export const CREATE_CLOCK_COLUMN = '_hlc';

/** A stateBased row's owner version, and a per-device row's version. */
export const VERSION_COLUMN = '_version';

/** A per-device row's record key. */
export const RECORD_COLUMN = '_record';

/** A per-device row's device. */
export const DEVICE_COLUMN = '_device';

/** `_hlc_<field>`: the HLC of the field's current value, or NULL while it is the create clock. */
export function clockColumn(field: string): string {
  return `_hlc_${field}`;
}

/**
 * `UserMetadata` → `user_metadata`: a model's table. The generator names tables by it and the
 * runtime finds a model's table in a file by it (`syncgen inspect` has no registry).
 */
export function modelTableName(model: string): string {
  return model
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** `<table>__device`: a hybrid model's per-device values. */
export function deviceTableName(table: string): string {
  return `${table}__device`;
}
