/**
 * Names derived from a model's title: one place, so generated paths, tables and accessors agree.
 */

/** `UserMetadata` → `userMetadata` (registry and transaction accessor). */
export function accessorName(model: string): string {
  return model.charAt(0).toLowerCase() + model.slice(1);
}

/** `UserMetadata` → `user_metadata` (table name). */
export function tableName(model: string): string {
  return words(model).join('_');
}

/** `UserMetadata` → `user-metadata` (generated file stem). */
export function fileStem(model: string): string {
  return words(model).join('-');
}

/** Splits PascalCase or camelCase into lower-case words; digit runs stay with their word. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(' ');
}

/** Quotes an SQL identifier. Names are validated to `[A-Za-z0-9_]`, so this never needs escaping. */
export function quote(identifier: string): string {
  return `"${identifier}"`;
}

/** Code-unit order, the same on every machine and locale (unlike localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
