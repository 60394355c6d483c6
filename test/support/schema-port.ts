/** A sync port that announces other schema versions than its library's: a device of another app version, on the wire. */
import type { SchemaCompatibility } from '../../runtime/protocol/compatibility.js';
import type { SyncPort } from '../../runtime/sync/sync-port.js';

/** The library's sync port, announcing `schema` instead of the library's own versions. */
export function portAt(port: SyncPort, schema: SchemaCompatibility): SyncPort {
  return new Proxy(port, {
    get(target, key) {
      if (key === 'schema') return schema;
      const value: unknown = Reflect.get(target, key, target);
      // The port's methods use its private fields: they run on the port itself.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
