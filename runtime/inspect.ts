/**
 * `syncgen/inspect`: what a library file holds, read from the file alone, read-only, while its app
 * runs or after it exited. `syncgen inspect` (the CLI, `@syncgen/cli`) loads this entry from the
 * app's `syncgen` at run time; apps get the same from `syncgen`. The JSON shape of the report is in
 * docs/api.md ("Inspecting a library").
 *
 * @example
 * import { formatLibraryReport, inspectLibrary } from 'syncgen/inspect';
 *
 * const report = inspectLibrary('data/laptop');
 * console.log(formatLibraryReport(report));
 */
export { inspectLibrary } from './library/inspect-library.js';
export { formatLibraryReport } from './library/format-library-report.js';
export type { AwaitedRecordReport, LibraryReport, LogOriginReport, ModelCount, PeerReport, TableReport } from './library/library-report.js';
export type { Member } from './library/members.js';
export { NotALibraryError, type NotALibraryReason } from './store/not-a-library-error.js';
