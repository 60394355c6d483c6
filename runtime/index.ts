/**
 * syncgen's runtime: what generated code and apps import (`syncgen/runtime`).
 */
export { columns, ValueError } from './column-codecs.js';
export type { ColumnCodec, NumberConstraints, TextConstraints } from './column-codecs.js';
export { defineRegistry, RegistryError } from './registry.js';
export type { Registry, RegistryDefinition } from './registry.js';
export type {
  AnyModelAdapter,
  CreateInput,
  DeviceSql,
  FieldDescriptor,
  FieldKind,
  ModelAdapter,
  ModelSql,
  OnDelete,
  RecordOf,
  ReferenceDescriptor,
  SqlValue,
  Strategy,
  UpdateInput,
} from './model-adapter.js';
export { Library, openLibrary } from './library.js';
export type { LibraryOptions, MissingRecordRef } from './library.js';
export type { ModelWriter, Transaction } from './transaction.js';
export type { ApplyOutcome, RefusedChange } from './remote-apply.js';
export type { ChangeEntry, ChangeKind, VersionVector } from './change-entry.js';
export type { Outbox, CommitListener } from './outbox.js';
export * from './errors.js';
export { compareHlc, decodeHlc, encodeHlc, formatHlc, receive, send, initialHlc, DEFAULT_MAX_DRIFT_MS, HLC_BYTES } from './hlc.js';
export type { Hlc, ReceiveResult } from './hlc.js';
export { MESSAGE_TYPES, PROTOCOL_VERSION } from './protocol.js';
export type { Envelope, MessageType, SnapshotRecord, SyncMessage, Vector } from './protocol.js';
export { decodeEnvelope, encodeEnvelope, DEFAULT_MAX_FRAME_BYTES, WireError } from './wire-codec.js';
export type { WireErrorCode } from './wire-codec.js';
export { PeerSync, startSync } from './peer-sync.js';
export type { PeerSyncOptions, SyncEvent } from './peer-sync.js';
export { SyncProtocolHandler, MAX_CONSECUTIVE_INVALID } from './protocol-handler.js';
export { systemScheduler } from './transport.js';
export type { Scheduler, TimerHandle, Transport, TransportHandlers } from './transport.js';
export { LATENCY_BUCKETS_MS } from './sync-metrics.js';
export type { LatencyHistogram, PeerMetrics, SyncMetrics } from './sync-metrics.js';
export { seededRandom } from './seeded-random.js';
