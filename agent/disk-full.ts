// Whether an error means a write failed for want of space: a file write's ENOSPC or EDQUOT, or
// the database's SQLITE_FULL (DbError.sqliteCode, or sqlite3's own error code). The LAN-facing
// servers answer such a failure 507 "disk full" instead of a bare internal error.
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; sqliteCode?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'SQLITE_FULL' || e.sqliteCode === 'SQLITE_FULL' || (e.cause !== undefined && e.cause !== err && isDiskFull(e.cause));
}
