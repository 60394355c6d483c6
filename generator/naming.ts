/**
 * Names derived from a model's title: one place, so generated paths, tables and accessors agree.
 */
import { modelTableName } from 'syncgen/contract';

/** `UserMetadata` → `userMetadata` (registry and transaction accessor). */
export function accessorName(model: string): string {
  return model.charAt(0).toLowerCase() + model.slice(1);
}

/** `UserMetadata` → `user_metadata` (table name): the contract's rule, which the runtime reads files by. */
export const tableName: (model: string) => string = modelTableName;

/** `UserMetadata` → `user-metadata` (generated file stem): the table name's words. */
export function fileStem(model: string): string {
  return tableName(model).replaceAll('_', '-');
}

/** Quotes an SQL identifier. Names are validated to `[A-Za-z0-9_]`, so this never needs escaping. */
export function quote(identifier: string): string {
  return `"${identifier}"`;
}

/** Code-unit order, the same on every machine and locale (unlike localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
