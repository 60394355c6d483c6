/**
 * What models and fields may be called (letters and digits, so they are valid SQL identifiers and
 * TypeScript names without quoting), and a valid name to suggest for one that is not.
 */

export const MODEL_NAME = /^[A-Z][A-Za-z0-9]*$/;
export const FIELD_NAME = /^[a-z][A-Za-z0-9]*$/;

/** `user metadata` → `UserMetadata`. */
export function pascalCase(name: string): string {
  return (
    name
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('') || 'Model'
  );
}

/** `created_at` → `createdAt`. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}
