/**
 * The registry: every model's adapter by accessor, name and numeric id, the models' dependency
 * order, the schema's version and the oldest it syncs with, and the fields its history renamed.
 *
 * Generated code calls `defineRegistry` once; it checks that the generated pieces agree with each
 * other, so a hand-edited or half-regenerated `generated/` fails at startup, not mid-sync.
 */
import type { MigrationProvider } from 'kysely';
import { SyncError } from '../core/errors.js';
import { renamesProblem, type FieldRename } from './field-renames.js';
import type { AnyModelAdapter } from './model-adapter.js';

export interface RegistryDefinition<Models extends Record<string, AnyModelAdapter>> {
  /** Hash of everything in the schemas that devices sync. */
  readonly schemaHash: string;
  /** The schema's version: the number of its last migration. */
  readonly schemaVersion: number;
  /** The oldest schema version it syncs with: the version of its last breaking migration. */
  readonly compatibleFrom: number;
  /** The fields the schema history renamed, oldest first (`contract/field-renames.ts`); none when absent. */
  readonly renames?: readonly FieldRename[];
  /** Adapters by accessor (`userMetadata`). */
  readonly models: Models;
  /** Accessors, parents before children (a topological order, ties broken by name). */
  readonly dependencyOrder: readonly (keyof Models & string)[];
  /** The generated Kysely migrations that create and evolve the models' tables. */
  readonly migrations: MigrationProvider;
}

/**
 * `Models` are the adapters by accessor; `DB` is the generated Kysely `Database` interface, carried
 * only as a type so that `library.db` reads are typed.
 */
export interface Registry<Models extends Record<string, AnyModelAdapter> = Record<string, AnyModelAdapter>, DB = unknown> {
  readonly schemaHash: string;
  /** The schema's version and the oldest it syncs with: what devices compare at the handshake (`protocol/compatibility.ts`). */
  readonly schemaVersion: number;
  readonly compatibleFrom: number;
  /** The fields the schema history renamed, oldest first: peers on older versions use the old names. */
  readonly renames: readonly FieldRename[];
  readonly models: Models;
  /** Adapters, parents before children. */
  readonly dependencyOrder: readonly AnyModelAdapter[];
  readonly migrations: MigrationProvider;
  /** The adapter of a model name (`Tag`), or undefined. */
  byName(name: string): AnyModelAdapter | undefined;
  /** The adapter of a numeric model id, or undefined. */
  byId(id: number): AnyModelAdapter | undefined;
  /** Type-level only. */
  readonly database?: DB;
}

/** A registry whose parts disagree: regenerate `generated/`. */
export class RegistryError extends SyncError {
  constructor(message: string) {
    super('invalid-registry', `${message} (run \`npx syncgen generate\` to regenerate generated/)`);
  }
}

/**
 * Builds the registry from generated adapters.
 *
 * @example
 * const models = { tag: tagAdapter };
 * export const registry = defineRegistry<typeof models, Database>({ schemaHash, schemaVersion: 1, compatibleFrom: 1, models, dependencyOrder: ['tag'], migrations });
 */
export function defineRegistry<Models extends Record<string, AnyModelAdapter>, DB = unknown>(definition: RegistryDefinition<Models>): Registry<Models, DB> {
  const byName = new Map<string, AnyModelAdapter>();
  const byId = new Map<number, AnyModelAdapter>();
  for (const [accessor, adapter] of Object.entries(definition.models)) {
    if (adapter.accessor !== accessor) throw new RegistryError(`model ${adapter.name} is registered as "${accessor}"`);
    if (byName.has(adapter.name)) throw new RegistryError(`model name ${adapter.name} is registered twice`);
    const clash = byId.get(adapter.id);
    if (clash) throw new RegistryError(`models ${clash.name} and ${adapter.name} share the id ${adapter.id}`);
    byName.set(adapter.name, adapter);
    byId.set(adapter.id, adapter);
  }
  const order = definition.dependencyOrder.map((accessor) => definition.models[accessor]);
  if (order.length !== byName.size || order.some((adapter) => adapter === undefined)) {
    throw new RegistryError('the dependency order does not list every model exactly once');
  }
  for (const adapter of byName.values()) {
    for (const reference of adapter.references) {
      if (!byName.has(reference.model)) {
        throw new RegistryError(`${adapter.name}.${reference.field} references the unknown model ${reference.model}`);
      }
    }
  }
  const { schemaVersion, compatibleFrom } = definition;
  if (!Number.isInteger(schemaVersion) || !Number.isInteger(compatibleFrom) || compatibleFrom < 1 || compatibleFrom > schemaVersion) {
    throw new RegistryError(`the schema version ${schemaVersion} and the oldest compatible one ${compatibleFrom} do not fit`);
  }
  const renames = Object.freeze((definition.renames ?? []).map((rename) => Object.freeze({ ...rename })));
  const problem = renamesProblem(renames, byName, schemaVersion, compatibleFrom);
  if (problem !== null) throw new RegistryError(problem);
  return Object.freeze({
    schemaHash: definition.schemaHash,
    schemaVersion,
    compatibleFrom,
    renames,
    models: definition.models,
    dependencyOrder: Object.freeze(order as AnyModelAdapter[]),
    migrations: definition.migrations,
    byName: (name: string) => byName.get(name),
    byId: (id: number) => byId.get(id),
  });
}
