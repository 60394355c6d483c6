/**
 * Records as the app sees them: each column decoded by its field's codec, and for a hybrid model
 * this device's perDevice values (their defaults while it has none).
 */
import type { ModelStore } from './model-store.js';
import type { Store } from './store.js';

export function readRecord(store: Store, model: ModelStore, id: string): Record<string, unknown> | undefined {
  const row = model.row(id);
  if (!row) return undefined;
  const record: Record<string, unknown> = { [model.key.name]: row[model.key.name] };
  for (const field of model.values) record[field.name] = field.codec.decode(row[field.name] ?? null);
  if (model.deviceFields.length > 0) {
    const own = model.deviceRow(id, store.deviceId);
    for (const field of model.deviceFields) {
      record[field.name] = own ? field.codec.decode(own[field.name] ?? null) : (field.defaultValue ?? null);
    }
  }
  return record;
}
