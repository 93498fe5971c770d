import { appendAuditEvent, sequenceAuditEvents, verifyAuditChain, type ChainVerification } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { cursorShape, decodeCursor, encodeCursor } from '../../platform/http/schemas.ts';
import * as repo from './audit.repository.ts';

type Row = Awaited<ReturnType<typeof repo.listEvents>>[number];

const view = (e: Row) => ({
  seq: e.seq,
  at: e.at.toISOString(),
  actorId: e.actor_id,
  actorLabel: e.actor_label,
  action: e.action,
  targetType: e.target_type,
  targetId: e.target_id,
  details: e.details as Record<string, unknown>,
  prevHash: e.prev_hash.toString('hex'),
  hash: e.hash.toString('hex'),
});

/** Reads the audit log. The read itself is an audit event, written in the same transaction (DESIGN: every read of the log is audited). */
export async function listAuditEvents({ db }: Deps, user: AuthUser, f: Omit<repo.AuditFilter, 'beforeSeq'> & { cursor?: string }) {
  const cursor = decodeCursor(f.cursor, cursorShape.sequence);
  // The log shows chained events: chain what was committed before this read first.
  await sequenceAuditEvents(db);
  return db.transaction().execute(async (trx) => {
    const rows = await repo.listEvents(trx, { ...f, beforeSeq: cursor ? String(cursor[0]) : undefined });
    const page = rows.slice(0, f.limit);
    const { cursor: _c, limit, ...filters } = f;
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'audit.read', details: { filters, limit, returned: page.length } });
    return { items: page.map(view), nextCursor: rows.length > f.limit && page.length ? encodeCursor([page.at(-1)!.seq]) : null };
  });
}

/** Verifies the whole chain and records that it was checked (and the result). */
export async function verifyChain({ db }: Deps, user: AuthUser): Promise<ChainVerification> {
  const result = await verifyAuditChain(db);
  await db.transaction().execute(async (trx) => {
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'audit.verify',
      details: { ok: result.ok, checked: result.checked, headSeq: result.headSeq, firstBrokenSeq: result.firstBrokenSeq ?? null, reason: result.reason ?? null },
    });
  });
  return result;
}

export async function chainStatus({ db }: Deps) {
  await sequenceAuditEvents(db);
  const head = await repo.chainHead(db);
  const last = await repo.lastVerification(db);
  return {
    headSeq: head.seq,
    headHash: head.hash.toString('hex'),
    lastVerification: last ? { seq: last.seq, at: last.at.toISOString(), ...(last.details as { ok: boolean; checked: number; firstBrokenSeq: string | null; reason: string | null }) } : null,
  };
}
