import type { DbOrTx } from '../../platform/db/database.ts';

export interface AuditFilter {
  actorId?: string;
  actorLabel?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  /** Return events with seq lower than this (newest first paging). */
  beforeSeq?: string;
  limit: number;
}

/** Audit events, newest first. `action` matches a prefix (`person.` finds person.create and person.update). */
export function listEvents(db: DbOrTx, f: AuditFilter) {
  let q = db.selectFrom('audit_event').selectAll();
  if (f.actorId) q = q.where('actor_id', '=', f.actorId);
  if (f.actorLabel) q = q.where('actor_label', '=', f.actorLabel);
  if (f.action) q = q.where('action', 'like', `${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (f.targetType) q = q.where('target_type', '=', f.targetType);
  if (f.targetId) q = q.where('target_id', '=', f.targetId);
  if (f.from) q = q.where('at', '>=', new Date(f.from));
  if (f.to) q = q.where('at', '<', new Date(f.to));
  if (f.beforeSeq) q = q.where('seq', '<', f.beforeSeq);
  return q.orderBy('seq', 'desc').limit(f.limit + 1).execute();
}

export function chainHead(db: DbOrTx) {
  return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', true).executeTakeFirstOrThrow();
}

/** The latest chain verification event (its details hold the result). */
export function lastVerification(db: DbOrTx) {
  return db.selectFrom('audit_event').select(['seq', 'at', 'details']).where('action', '=', 'audit.verify').orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/**
 * Locks the chain head row until the transaction ends: serialises a check-then-write (two nodes bootstrapping
 * the first admin at once). Appending an event does not take it (0027); the sequencer waits for it.
 */
export async function lockChainHead(db: DbOrTx) {
  await db.selectFrom('audit_head').select('seq').forUpdate().execute();
}
