/**
 * Checks a library's change feed against its tables: at every notice, the records as the app sees
 * them (decoded, a hybrid model with this device's own perDevice values) are read again and
 * compared with what they were at the previous notice; the difference must be exactly what the
 * notice says (created, updated with these fields, deleted; deleted by a cascade exactly when its
 * tombstone has no clock of its own). `finish` then checks that nothing changed without a notice.
 */
import Database from 'better-sqlite3';
import type { AnyModelAdapter, SqlValue } from '../../runtime/contract/model-adapter.js';
import type { ChangeSource, LibraryChange, ModelChanges } from '../../runtime/library/change-feed.js';
import type { Library } from '../../runtime/library/library.js';

type Records = Map<string, Record<string, unknown>>;
type State = Map<string, Records>;

/** What a set of audits saw, across libraries: how many notices per source, and how many cascade deletes. */
export class AuditCounts {
  readonly sources = new Map<ChangeSource['kind'], number>();
  cascades = 0;
  readonly mismatches: string[] = [];

  /** Adds another's counts (mismatches included). */
  add(other: AuditCounts): void {
    for (const [kind, count] of other.sources) this.sources.set(kind, (this.sources.get(kind) ?? 0) + count);
    this.cascades += other.cascades;
    this.mismatches.push(...other.mismatches);
  }
}

/** Reads a library's records as the app sees them, on a connection of its own. */
function reader(library: Library<any>): { state(): State; cascaded(model: number, id: string): boolean; close(): void } {
  const db = new Database(library.file, { readonly: true });
  const adapters = Object.values(library.registry.models) as AnyModelAdapter[];
  const tombstone = db.prepare('SELECT hlc IS NULL FROM _sync_tombstone WHERE model = ? AND record = ?').pluck();
  return {
    state() {
      const state: State = new Map();
      for (const adapter of adapters) {
        const records: Records = new Map();
        const own = new Map<string, Record<string, unknown>>();
        if (adapter.sql.device) {
          const rows = db.prepare(`SELECT * FROM "${adapter.sql.device.table}" WHERE "_device" = ?`).all(library.deviceId) as Record<string, unknown>[];
          for (const row of rows) own.set(row._record as string, row);
        }
        for (const row of db.prepare(`SELECT * FROM "${adapter.table}"`).all() as Record<string, unknown>[]) {
          const record: Record<string, unknown> = {};
          for (const field of adapter.fields) {
            const stored = field.perDevice ? own.get(row[adapter.primaryKey] as string)?.[field.name] : row[field.name];
            record[field.name] = stored === undefined ? (field.defaultValue ?? null) : field.codec.decode((stored ?? null) as SqlValue);
          }
          records.set(row[adapter.primaryKey] as string, record);
        }
        state.set(adapter.accessor, records);
      }
      return state;
    },
    cascaded: (model, id) => tombstone.get(model, id) === 1,
    close: () => db.close(),
  };
}

/** What changed from `before` to `after`, in the notice's shape (lists in id order). */
function difference(before: Records, after: Records): ModelChanges<AnyModelAdapter> {
  const created: string[] = [];
  const updated: { id: string; fields: string[]; cascade: boolean }[] = [];
  const deleted: { id: string; cascade: boolean }[] = [];
  for (const id of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(id);
    const now = after.get(id);
    if (!was) created.push(id);
    else if (!now) deleted.push({ id, cascade: false });
    else {
      const fields = Object.keys(now).filter((name) => JSON.stringify(now[name]) !== JSON.stringify(was[name]));
      if (fields.length > 0) updated.push({ id, fields, cascade: false });
    }
  }
  return { created, updated, deleted };
}

/** Audits one library's feed from now on; `finish` checks the last stretch and stops. */
export function auditChanges(library: Library<any>, counts: AuditCounts): { finish(): void } {
  const read = reader(library);
  let seen = read.state();
  const models = new Map((Object.values(library.registry.models) as AnyModelAdapter[]).map((adapter) => [adapter.accessor, adapter]));
  const compare = (change: LibraryChange<any> | null) => {
    const now = read.state();
    for (const [accessor, records] of now) {
      const expected = difference(seen.get(accessor)!, records);
      const told = (change?.models as Record<string, ModelChanges<AnyModelAdapter>> | undefined)?.[accessor] ?? { created: [], updated: [], deleted: [] };
      for (const item of told.deleted) {
        if (item.cascade !== read.cascaded(models.get(accessor)!.id, item.id)) counts.mismatches.push(`${accessor} ${item.id}: cascade ${item.cascade}`);
        if (item.cascade) counts.cascades += 1;
      }
      // Cascade flags of updates are checked by the unit tests; here, what changed.
      const plain = {
        created: told.created,
        updated: told.updated.map(({ id, fields }) => ({ id, fields, cascade: false })),
        deleted: told.deleted.map(({ id }) => ({ id, cascade: false })),
      };
      if (JSON.stringify(plain) !== JSON.stringify(expected)) {
        counts.mismatches.push(
          `${library.deviceId.slice(0, 8)} ${change ? change.source.kind : 'no notice'} ${accessor}: told ${JSON.stringify(plain)}, changed ${JSON.stringify(expected)}`,
        );
      }
    }
    seen = now;
  };
  const stop = library.onChange((change) => {
    counts.sources.set(change.source.kind, (counts.sources.get(change.source.kind) ?? 0) + 1);
    compare(change);
  });
  return {
    finish() {
      stop();
      if (!library.closed) compare(null);
      read.close();
    },
  };
}
