/**
 * The fields the schema history renamed (`"x-sync": { "renamedFrom": ... }`), as the generated
 * registry lists them. Renames are not breaking: devices on either side of one keep syncing, the
 * newer one translating the name (`protocol/field-renames.ts`), and a library file upgraded across
 * one has the name rewritten in its sync log (`store/logged-renames.ts`). Model renames need no
 * entry: models travel by id.
 */
import type { AnyModelAdapter } from './model-adapter.js';

/** `{ version: 3, model: 'Tag', from: 'colour', to: 'color' }`: migration 3 renamed Tag.colour to color. */
export interface FieldRename {
  /** The schema version whose migration renamed it. */
  readonly version: number;
  /** The model's current name. */
  readonly model: string;
  /** The field's name before that version. */
  readonly from: string;
  /** Its name from that version on (a later rename may rename it again). */
  readonly to: string;
}

/**
 * Why a registry's renames do not fit its models and versions, or null. Renames after the oldest
 * compatible version must lead to a current field: peers on those versions send the old names.
 */
export function renamesProblem(
  renames: readonly FieldRename[],
  byName: ReadonlyMap<string, AnyModelAdapter>,
  schemaVersion: number,
  compatibleFrom: number,
): string | null {
  let last = 0;
  for (const rename of renames) {
    const what = `the rename of ${rename.model}.${rename.from} to ${rename.to} (version ${rename.version})`;
    if (!Number.isInteger(rename.version) || rename.version < 2 || rename.version > schemaVersion) {
      return `${what} is not at a schema version from 2 to ${schemaVersion}`;
    }
    if (rename.version < last) return `${what} is listed after a later one`;
    last = rename.version;
    const adapter = byName.get(rename.model);
    if (!adapter) return `${what} names an unknown model`;
    if (typeof rename.from !== 'string' || typeof rename.to !== 'string' || rename.from === rename.to || rename.from === '' || rename.to === '') {
      return `${what} does not rename one field name to another`;
    }
    if (rename.version <= compatibleFrom) continue;
    let name = rename.to;
    for (const later of renames) if (later.version > rename.version && later.model === rename.model && later.from === name) name = later.to;
    if (!adapter.fields.some((field) => field.name === name)) return `${what} leads to ${rename.model}.${name}, which is not a field`;
  }
  return null;
}
