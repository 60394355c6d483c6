/**
 * The reference model across schema versions (issue 13): a change committed under an older,
 * compatible schema, stated in a newer one's terms, and a device's synced state cut down to what
 * two versions share. Computed from the registries' declarations (model ids, field names, the
 * history's renames, defaults), sharing no code with the runtime's apply path, so that
 * `predictState` (`reference-model.ts`) can predict a fleet whose devices wrote under several
 * versions:
 * - renamed fields carry their newest names (a chain of renames followed in order); models keep
 *   their ids, so a renamed model needs nothing;
 * - a field the writer's schema did not have keeps its default (encoded by its codec) or null, as
 *   a create that omits it: in an insert (at the insert's clock), in every state of a stateBased
 *   record (its version), and in every per-device state of a hybrid record; a logBased update
 *   carries only what it changed, so it gains nothing.
 */
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import type { AnyModelAdapter, SqlValue } from '../../runtime/contract/model-adapter.js';
import type { Registry } from '../../runtime/contract/registry.js';

type AnyRegistry = Registry<any, any>;
type Row = Record<string, unknown>;
export type State = Record<string, Row[]>;

/** A change as its device committed it, with the schema it was written under. */
export interface VersionedEntry {
  readonly entry: ChangeEntry;
  readonly registry: AnyRegistry;
}

/** The name in `to` of the field `name` of model `model` (an id) as `from` calls it. */
export function renamedField(from: AnyRegistry, to: AnyRegistry, model: number, name: string): string {
  const target = to.byId(model)?.name;
  let current = name;
  for (const rename of to.renames) {
    if (rename.version > from.schemaVersion && rename.model === target && rename.from === current) current = rename.to;
  }
  return current;
}

/** The fields of `to`'s model (an id) that `from` has, by `to`'s names. */
function knownFields(from: AnyRegistry, to: AnyRegistry, model: number): Set<string> {
  return new Set((from.byId(model)?.fields ?? []).map((field: AnyModelAdapter['fields'][number]) => renamedField(from, to, model, field.name)));
}

/** A change committed under `registry`, as the schema `to` reads it. */
export function entryIn(to: AnyRegistry, { entry, registry }: VersionedEntry): ChangeEntry {
  if (entry.data === null) return entry;
  const target = to.byId(entry.model)!;
  const data: Record<string, SqlValue> = {};
  for (const [name, value] of Object.entries(entry.data)) data[renamedField(registry, to, entry.model, name)] = value as SqlValue;
  const known = knownFields(registry, to, entry.model);
  const lacking = target.fields.filter((field: AnyModelAdapter['fields'][number]) => !known.has(field.name));
  const perDeviceState = target.fields.some((field: AnyModelAdapter['fields'][number]) => field.perDevice && field.name in data);
  for (const field of lacking) {
    const filled = entry.kind === 'insert' || target.strategy === 'stateBased' || (field.perDevice && perDeviceState);
    if (filled) data[field.name] = field.codec.encode(field.defaultValue ?? null) as SqlValue;
  }
  return { ...entry, data };
}

/**
 * A synced state of a device on `from` (`syncedState`), in `to`'s names, cut down to what every
 * registry of `versions` has: the tables of the models all of them know, and in them the columns of
 * the fields all of them know (a field's value and its clock), beside the columns no field makes
 * (keys, create clocks, versions); tombstones of those models.
 */
export function sharedState(state: State, from: AnyRegistry, to: AnyRegistry, versions: readonly AnyRegistry[]): State {
  const shared: State = {};
  for (const target of to.dependencyOrder) {
    if (!versions.every((registry) => registry.byId(target.id))) continue;
    const source = from.byId(target.id)!;
    const names = new Map<string, string>();
    for (const field of source.fields) {
      const renamed = target.fields.find((item: AnyModelAdapter['fields'][number]) => item.name === renamedField(from, to, target.id, field.name))!;
      names.set(field.name, renamed.name);
      if (field.clockColumn && renamed.clockColumn) names.set(field.clockColumn, renamed.clockColumn);
    }
    const columnsOf = (fields: readonly AnyModelAdapter['fields'][number][]) => new Set(fields.flatMap((field) => [field.name, field.clockColumn ?? '']));
    const fieldColumns = columnsOf(target.fields);
    const kept = columnsOf(
      target.fields.filter((field: AnyModelAdapter['fields'][number]) => versions.every((registry) => knownFields(registry, to, target.id).has(field.name))),
    );
    const cut = (rows: readonly Row[] = []) =>
      rows.map((row) =>
        Object.fromEntries(
          Object.entries(row)
            .map(([column, value]) => [names.get(column) ?? column, value] as const)
            .filter(([column]) => kept.has(column) || !fieldColumns.has(column)),
        ),
      );
    shared[target.table] = cut(state[source.table]);
    if (target.sql.device) shared[target.sql.device.table] = cut(source.sql.device ? state[source.sql.device.table] : []);
  }
  shared._sync_tombstone = (state._sync_tombstone ?? []).filter((row) => versions.every((registry) => registry.byId(row.model as number)));
  return shared;
}
