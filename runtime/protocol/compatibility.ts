/**
 * Which schema versions sync with each other. Every device announces its schema's version (the
 * number of its last migration) and the oldest version it syncs with (the version of its last
 * breaking migration), in the TCP hello and in every frame's envelope. Two devices sync when each
 * is at least the other's oldest: between them lie only additive changes (new models, new optional
 * or defaulted fields, new indexes), which the older device keeps without understanding and the
 * newer one reads with defaults. Otherwise the older device must upgrade first.
 */

/** What a device says about its schema: see the module comment. */
export interface SchemaCompatibility {
  readonly schemaVersion: number;
  readonly compatibleFrom: number;
}

/** Whether a peer's announced pair is well-formed: positive integers, the oldest no newer than the version. */
export function isSchemaCompatibility(schemaVersion: unknown, compatibleFrom: unknown): boolean {
  const positive = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
  return positive(schemaVersion) && positive(compatibleFrom) && (compatibleFrom as number) <= (schemaVersion as number);
}

/** Whether two devices' schemas sync. */
export function compatible(mine: SchemaCompatibility, theirs: SchemaCompatibility): boolean {
  return mine.schemaVersion >= theirs.compatibleFrom && theirs.schemaVersion >= mine.compatibleFrom;
}

/** Why two devices' schemas do not sync, and what to do, for people; null when they do. */
export function incompatibility(mine: SchemaCompatibility, theirs: SchemaCompatibility, peer: string): string | null {
  if (compatible(mine, theirs)) return null;
  const versions = `schema version ${mine.schemaVersion} here (syncs with ${mine.compatibleFrom} and later), ${theirs.schemaVersion} on ${peer} (syncs with ${theirs.compatibleFrom} and later)`;
  const older = mine.schemaVersion < theirs.compatibleFrom ? 'this device' : peer;
  return `incompatible schemas: ${versions}; upgrade the app on ${older}: nothing is lost meanwhile, and they sync once it is upgraded`;
}
