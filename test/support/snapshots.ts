/** Snapshot records as a snapshot pull reads them from a library, for tests that merge them by hand. */
import type { SnapshotRecord } from '../../runtime/core/snapshot-record.js';
import { syncPortOf, type Library } from '../../runtime/library/library.js';

/** Every record of `models` (default: the library's own, parents first), page by page as a pull reads them. */
export function snapshotOf(library: Library<any>, models?: readonly number[]): SnapshotRecord[] {
  const port = syncPortOf(library);
  return (models ?? port.modelIds).flatMap((model) => port.snapshotPage(model, null, 100_000).records);
}
