/**
 * syncgen's runtime, as apps use it (`syncgen`): open a library, write through `transact`,
 * read with typed queries, sync with peers. Generated code imports `syncgen/codegen`
 * instead; transports are `syncgen/transports/tcp` and `syncgen/transports/simulated`.
 *
 * @example
 * import { openLibrary, startSync } from 'syncgen';
 * import { createTcpTransport } from 'syncgen/transports/tcp';
 * import { registry } from './generated/index.js';
 *
 * const library = await openLibrary({ dir: 'data/laptop', libraryId, deviceId, registry });
 * library.transact((tx) => tx.tag.create({ name: 'Holidays', createdAt: new Date().toISOString() }));
 * const transport = createTcpTransport({ library, listen: { port: 4100 } });
 * const sync = await startSync(library, { transport });
 * const { code } = library.members.invite({ address: 'laptop.local:4100' }); // for a new device
 */
export { openLibrary, type LibraryOptions } from './library/open-library.js';
export { Library, type MissingRecordRef } from './library/library.js';
export { LibraryMembers, type CreatedInvite, type InviteOptions, type Member } from './library/members.js';
export type { MemberRecord } from './core/member-record.js';
export { InviteError, parseInvite, type Invite } from './protocol/invite-code.js';
export { DeviceCredentialsError, type DeviceCredentials } from './library/device-credentials.js';
export { Outbox, type CommitListener } from './library/outbox.js';
export type { ChangeSource, FieldOf, LibraryChange, ModelChangeNotice, ModelChanges } from './library/change-feed.js';
export type { WatchableQuery, WatchOptions } from './library/live-query.js';
export { startSync } from './library/start-sync.js';
export { inspectLibrary } from './library/inspect-library.js';
export { formatLibraryReport } from './library/format-library-report.js';
export type { AwaitedRecordReport, LibraryReport, LogOriginReport, ModelCount, PeerReport, TableReport } from './library/library-report.js';
export type { ModelWriter, Transaction } from './merge/transaction-manager.js';
export type { ApplyOutcome, RefusedChange } from './merge/apply-entries.js';
export type { AnyModelAdapter, CreateInput, RecordOf, UpdateInput } from './contract/model-adapter.js';
export type { Registry } from './contract/registry.js';
export type { ChangeEntry, ChangeKind } from './core/change-entry.js';
export type { VersionVector } from './core/version-vector.js';
export { formatHlc, DEFAULT_MAX_DRIFT_MS, type Hlc } from './core/hlc.js';
export type { PeerSync } from './sync/peer-sync.js';
export type { PeerSyncOptions, SyncEvent } from './sync/options.js';
export type { PeerStatus, SyncStatus } from './sync/status.js';
export type { PeerConnection } from './sync/connection-status.js';
export type { SyncProgress } from './sync/progress.js';
export { componentLogger, silentLogger, type LogFields, type Logger, type LogLevel } from './core/logger.js';
export { consoleLogger, defaultLogger, type ConsoleLoggerOptions } from './core/console-logger.js';
export { debugNamespaces } from './core/debug-namespaces.js';
export { LATENCY_BUCKETS_MS, type LatencyHistogram, type PeerMetrics, type SyncMetrics } from './sync/metrics.js';
export {
  certificateFingerprint,
  systemScheduler,
  type MemberDirectory,
  type MemberStatus,
  type ConnectionEvent,
  type Scheduler,
  type TimerHandle,
  type Transport,
  type TransportHandlers,
} from './transports/transport.js';
// The error tree: every error the runtime throws or reports is a `SyncError` with a code of `SYNC_ERROR_CODES`.
export * from './core/errors.js';
export { ClockDriftError, HlcFormatError } from './core/hlc.js';
export { ValueError } from './contract/column-codecs.js';
export { RegistryError } from './contract/registry.js';
export { MigrationFailedError, SchemaTooNewError } from './store/migration-errors.js';
export { NotALibraryError, type NotALibraryReason } from './store/not-a-library-error.js';
export { WireError, type WireErrorCode } from './protocol/wire-codec.js';
export { TransportError } from './transports/transport.js';
