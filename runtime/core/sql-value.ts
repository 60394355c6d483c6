/** A column value as better-sqlite3 binds and returns it, and as change entries carry it. */
export type SqlValue = string | number | bigint | Uint8Array | null;
