/**
 * The reference model: the documented semantics as a plain in-memory computation over the set of
 * every change any device committed. It predicts the final synced state (rows with their clocks
 * and versions, per-device rows, tombstones) in the same shape as `syncedState(library)`, so a
 * history's outcome on real devices can be compared with it exactly.
 *
 * - deletes are final; a tombstone keeps the smallest clock of the record's own deletes, or none
 *   when only a cascade deleted it; a record is deleted with a parent it references by a cascade
 *   reference (fixed at create), transitively;
 * - stateBased: the state of the record's highest-clock write, that clock as version;
 * - logBased: per field, the value of the highest-clock write of that field; the create's clock
 *   stored once, and a field's own clock only when an update of it is that write;
 * - hybrid: shared fields as logBased; per device, its highest-clock perDevice state;
 * - a setNull reference to a deleted record reads null (its clock kept).
 * It shares no code with the runtime's apply path.
 */
import type { ChangeEntry } from '../../runtime/core/change-entry.js';
import type { AnyModelAdapter, SqlValue } from '../../runtime/contract/model-adapter.js';
import type { Registry } from '../../runtime/contract/registry.js';

type Row = Record<string, unknown>;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const later = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) > 0;

export function predictState(registry: Registry<any, any>, committed: readonly ChangeEntry[]): Record<string, Row[]> {
  const adapters = new Map(registry.dependencyOrder.map((adapter) => [adapter.id, adapter]));
  const byName = new Map(registry.dependencyOrder.map((adapter) => [adapter.name, adapter]));
  const key = (model: number, record: string) => `${model}:${record}`;
  const entries = new Map<string, ChangeEntry[]>();
  for (const entry of committed) {
    const list = entries.get(key(entry.model, entry.record)) ?? [];
    list.push(entry);
    entries.set(key(entry.model, entry.record), list);
  }

  // Own deletes, then cascades to a fixed point.
  const deleted = new Map<string, Uint8Array | null>();
  for (const [recordKey, list] of entries) {
    for (const entry of list) {
      if (entry.kind !== 'delete') continue;
      const current = deleted.get(recordKey);
      deleted.set(recordKey, current === undefined || current === null || later(current, entry.hlc) ? entry.hlc : current);
    }
  }
  const cascadeParents = (adapter: AnyModelAdapter, list: ChangeEntry[]): string[] => {
    const written = list.find((entry) => entry.kind !== 'delete');
    if (!written) return [];
    return adapter.references.flatMap((reference: AnyModelAdapter['references'][number]) => {
      const value = written.data?.[reference.field];
      return reference.onDelete === 'cascade' && typeof value === 'string' ? [key(byName.get(reference.model)!.id, value)] : [];
    });
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const [recordKey, list] of entries) {
      if (deleted.has(recordKey)) continue;
      const adapter = adapters.get(list[0]!.model)!;
      if (cascadeParents(adapter, list).some((parent) => deleted.has(parent))) {
        deleted.set(recordKey, null);
        changed = true;
      }
    }
  }

  const state: Record<string, Row[]> = {};
  for (const adapter of registry.dependencyOrder) {
    state[adapter.table] = [];
    if (adapter.sql.device) state[adapter.sql.device.table] = [];
  }
  state._sync_tombstone = [...deleted]
    .map(([recordKey, hlc]) => {
      const [model, record] = recordKey.split(':') as [string, string];
      return { model: Number(model), record, hlc: hlc === null ? null : hex(hlc) };
    })
    .sort((a, b) => a.model - b.model || (a.record < b.record ? -1 : a.record > b.record ? 1 : 0));

  for (const [recordKey, list] of entries) {
    if (deleted.has(recordKey)) continue;
    const adapter = adapters.get(list[0]!.model)!;
    const writes = list.filter((entry) => entry.kind !== 'delete');
    if (writes.length === 0) continue;
    const record = list[0]!.record;
    const shared = adapter.fields.filter((field: AnyModelAdapter['fields'][number]) => field.name !== adapter.primaryKey && !field.perDevice);
    const row: Row = { [adapter.primaryKey]: record };
    if (adapter.strategy === 'stateBased') {
      const winner = writes.reduce((best, entry) => (later(entry.hlc, best.hlc) ? entry : best));
      for (const field of shared) row[field.name] = winner.data![field.name] ?? null;
      row._version = hex(winner.hlc);
    } else {
      // Stored: the create's clock once, and a field's own clock only when an update of it won.
      const create = writes.find((entry) => entry.kind === 'insert');
      row._hlc = create ? hex(create.hlc) : null;
      for (const field of shared) {
        const holders = writes.filter((entry) => entry.data && field.name in entry.data);
        const winner = holders.reduce<ChangeEntry | undefined>((best, entry) => (!best || later(entry.hlc, best.hlc) ? entry : best), undefined);
        row[field.name] = winner ? (winner.data![field.name] as SqlValue) : null;
        row[field.clockColumn!] = winner && winner !== create ? hex(winner.hlc) : null;
      }
      const deviceFields = adapter.fields.filter((field: AnyModelAdapter['fields'][number]) => field.perDevice);
      if (deviceFields.length > 0) {
        const perDevice = new Map<string, ChangeEntry>();
        for (const entry of writes) {
          if (!entry.data || !(deviceFields[0]!.name in entry.data)) continue;
          const best = perDevice.get(entry.origin);
          if (!best || later(entry.hlc, best.hlc)) perDevice.set(entry.origin, entry);
        }
        for (const [device, entry] of perDevice) {
          const deviceRow: Row = { _record: record, _device: device };
          for (const field of deviceFields) deviceRow[field.name] = entry.data![field.name] ?? null;
          deviceRow._version = hex(entry.hlc);
          state[adapter.sql.device!.table]!.push(deviceRow);
        }
      }
    }
    for (const reference of adapter.references) {
      const value = row[reference.field];
      if (reference.onDelete === 'setNull' && typeof value === 'string' && deleted.has(key(byName.get(reference.model)!.id, value)))
        row[reference.field] = null;
    }
    state[adapter.table]!.push(row);
  }
  for (const [table, rows] of Object.entries(state)) {
    if (table === '_sync_tombstone') continue;
    const [first, second] = table.endsWith('__device') ? ['_record', '_device'] : [Object.keys(rows[0] ?? {})[0] ?? '', ''];
    rows.sort((a, b) => compare(String(a[first]), String(b[first])) || (second ? compare(String(a[second]), String(b[second])) : 0));
  }
  return state;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
