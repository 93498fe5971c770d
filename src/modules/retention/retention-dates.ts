/**
 * Retention date arithmetic in the Beijing calendar (第十一条). The database does the bulk computation
 * (retention.repository.ts); these are the same rules for single values in TypeScript.
 * A keep-until date D means: kept THROUGH D (Beijing), disposable from Beijing midnight at the end of D.
 */

/** 'YYYY-MM-DD' + n days. */
export function addDaysToDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant the object store must keep an original until: Beijing midnight at the end of keepUntil (00:00 +08:00 the next day). */
export function storeRetainUntil(keepUntil: string): Date {
  return new Date(`${addDaysToDate(keepUntil, 1)}T00:00:00+08:00`);
}
