import { createHash } from 'node:crypto';
import { appendAuditEvent, sequencedAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.ts';
import { requireAccess } from '../access/access.service.ts';
import { installationKey } from '../playback/installation-key.ts';
import { findRecording } from '../recordings/recordings.repository.ts';
import { beijingTime, describeEvent, fixityResultText, type Bilingual } from './custody-events.ts';
import * as repo from './custody.repository.ts';
import { custodyCursor } from './custody.schema.ts';

/**
 * 保管链 — the chain of custody of one recording (issue 8 §7; 民事证据规定 第93–94条: integrity is judged by the
 * system's checks and complete preservation). Every event from ingest to now — upload, hashes at ingest, each
 * fixity check, every access request, approval, view, copy, metadata change and export — is a row of the audit
 * chain, listed with its sequence number and hash, so anyone can check the report against the chain itself.
 * Reading the report is audited (第十四条); the report lists events up to and including its own read.
 */

/** Later pages of an opened report are served for this long after it was opened (its audited read). */
export const CURSOR_MINUTES = 60;

let testClock: (() => Date) | undefined;

/** Test seam: the clock a later page's age is judged by (undefined: the database's now()). Nothing in the app calls it. */
export function setCustodyClock(clock: (() => Date) | undefined): void {
  testClock = clock;
}

type User = Pick<AuthUser, 'id' | 'username' | 'roles' | 'departmentId' | 'personId' | 'permissions'>;

interface Identity {
  username: string;
  name: string;
  staffNumber: string | null;
}

/** `姓名（工号）`, or the account's display name and username when no person is linked. */
const personText = (i: Identity) => `${i.name}（${i.staffNumber ?? i.username}）`;

async function identities(db: DbOrTx, ids: Iterable<unknown>): Promise<Map<string, Identity>> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const wanted = [...new Set([...ids].filter((x): x is string => typeof x === 'string' && uuid.test(x)))];
  const rows = await repo.userIdentities(db, wanted);
  return new Map(rows.map((u) => [u.id, { username: u.username, name: u.person_name ?? u.display_name, staffNumber: u.staff_number }]));
}

/** What the report says about the recording before its events: identity, hashes, files, checks, key. */
async function header(deps: Deps, recordingId: string, upto: { seq: string; at: Date; hash: Buffer }) {
  const { db } = deps;
  const r = await findRecording(db, recordingId);
  if (!r) throw new AppError('NOT_FOUND');
  const derived = await repo.derivedObjects(db, r.original_sha256);
  const subjects = await repo.subjectsOf(db, recordingId, r.original_sha256, derived.map((d) => d.sha256));
  const created = await repo.creationEvent(db, recordingId);
  const who = await identities(db, [r.uploaded_by]);
  const uploader = who.get(r.uploaded_by);
  const key = await installationKey(deps.config.dataDir);
  const checks = await fixityView(db, r.original_sha256, derived, subjects.fixityRunIds, upto);
  return {
    subjects,
    view: {
      recording: {
        id: r.id,
        fileName: r.file_name,
        departmentName: r.department_name,
        deviceNumber: r.device_number,
        officers: r.officers.map((o) => ({ name: o.name, staffNumber: o.staffNumber })),
        recordedStart: r.recorded_start.toISOString(),
        recordedEnd: r.recorded_end?.toISOString() ?? null,
        uploadedAt: r.uploaded_at.toISOString(),
        uploadedBy: { username: r.uploaded_by_username, name: uploader?.name ?? r.uploaded_by_username, staffNumber: uploader?.staffNumber ?? null },
        activity: r.activity,
        caseName: r.case_name,
        caseNumber: r.case_number,
      },
      original: { sha256: r.original_sha256, sm3: r.sm3, sizeBytes: Number(r.size_bytes), storedAt: r.stored_at.toISOString() },
      /** The hashes the chain recorded when the server stored the bytes (recording.create). */
      ingest: created
        ? { seq: created.seq, at: created.at.toISOString(), sha256: String(created.details.sha256 ?? ''), sm3: String(created.details.sm3 ?? ''), hash: created.hash.toString('hex') }
        : null,
      derived: derived.map((d) => ({ kind: d.kind as 'proxy' | 'thumbnail', sha256: d.sha256, sm3: d.sm3, sizeBytes: Number(d.size_bytes), createdAt: d.created_at.toISOString() })),
      fixityChecks: checks,
      installationKey: { algorithm: 'Ed25519' as const, keyId: key.keyId, fingerprint: createHash('sha256').update(Buffer.from(key.publicKeyBase64, 'base64')).digest('hex') },
      /** The report's own read (recording.custody.read): events are listed up to and including it. */
      readEvent: { seq: upto.seq, at: upto.at.toISOString(), hash: upto.hash.toString('hex') },
    },
  };
}

/**
 * Each fixity check of the original and its derived files, with the audit event that proves it: the
 * `fixity.pass` closing its run, or (a workstation's check before clearing a card) the `original.verify`
 * written in the same transaction.
 */
async function fixityView(db: DbOrTx, originalSha256: string, derived: { sha256: string; kind: string }[], runIds: string[], upto: { seq: string; at: Date }) {
  const kindOf = new Map<string, 'original' | 'proxy' | 'thumbnail'>([[originalSha256, 'original'], ...derived.map((d) => [d.sha256, d.kind as 'proxy' | 'thumbnail'] as const)]);
  const checks = await repo.fixityChecks(db, [...kindOf.keys()]);
  const passSeq = await repo.fixityPassSeqs(db, runIds);
  const verifies = await repo.verifyEvents(db, originalSha256);
  const uptoSeq = BigInt(upto.seq);
  const out = [];
  for (const c of checks) {
    if (c.checked_at > upto.at) continue;
    let proofSeq: string | null = null;
    if (c.run_id) proofSeq = passSeq.get(c.run_id) ?? null;
    else if (c.reason === 'workstation') {
      const i = verifies.findIndex((v) => v.at >= c.checked_at);
      if (i >= 0) proofSeq = verifies.splice(i, 1)[0]!.seq;
    }
    if (proofSeq && BigInt(proofSeq) > uptoSeq) continue;
    out.push({
      checkedAt: c.checked_at.toISOString(),
      object: kindOf.get(c.sha256)!,
      sha256: c.sha256,
      result: c.result,
      resultText: fixityResultText(c.result),
      reason: c.reason as 'schedule' | 'manual' | 'workstation',
      proofSeq,
    });
  }
  return out;
}

/** One event as the report shows it. */
function eventView(e: repo.CustodyEventRow, who: Map<string, Identity>, recordingId: string) {
  const userName = (id: unknown) => {
    const i = typeof id === 'string' ? who.get(id) : undefined;
    return i && personText(i);
  };
  const d = describeEvent(e.action, e.details, { userName, recordingId });
  const i = e.actor_id ? who.get(e.actor_id) : undefined;
  const actor = e.actor_id
    ? { kind: 'user' as const, userId: e.actor_id, username: i?.username ?? e.actor_label, name: i?.name ?? e.actor_label, staffNumber: i?.staffNumber ?? null }
    : { kind: 'system' as const, userId: null, username: e.actor_label, name: e.actor_label, staffNumber: null };
  const actorText: Bilingual = e.actor_id
    ? { zh: i ? personText(i) : e.actor_label, en: i ? `${i.name} (${i.staffNumber ?? i.username})` : e.actor_label }
    : { zh: `系统（${e.actor_label}）`, en: `system (${e.actor_label})` };
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    atBeijing: beijingTime(e.at),
    action: e.action,
    category: d.category,
    actor,
    actorText,
    title: d.title,
    detail: d.detail,
    targetType: e.target_type,
    targetId: e.target_id,
    hash: e.hash.toString('hex'),
    prevHash: e.prev_hash.toString('hex'),
  };
}

export type CustodyEventView = ReturnType<typeof eventView>;

/** The people an event page names (actors, grantees, viewers), resolved in one query. */
async function pageViews(db: DbOrTx, rows: repo.CustodyEventRow[], recordingId: string) {
  const ids: unknown[] = [];
  for (const e of rows) {
    ids.push(e.actor_id, e.details.granteeId, (e.details.viewer as { id?: unknown } | undefined)?.id);
  }
  const who = await identities(db, ids);
  return rows.map((e) => eventView(e, who, recordingId));
}

/**
 * Checks access (out of scope = unknown = 404) and writes the audited read; returns the read event. For an
 * evidence package (`packageId`) the access decision was the package's ('recording.package', a live copy grant,
 * checked by the evidence-packages service when the package was asked for): the read is audited naming it.
 */
async function openReport(deps: Deps, user: Pick<User, 'id' | 'username'> & Partial<User>, recordingId: string, format: 'json' | 'pdf', packageId?: string) {
  const { db } = deps;
  if (!packageId) await requireAccess(db, user as User, 'recording.custody.read', [recordingId]);
  const read = await db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'recording.custody.read',
      target: { type: 'recording', id: recordingId },
      details: packageId ? { format, packageId } : { format },
    }),
  );
  // The report runs up to its own read: that event's place in the chain (every event committed before it is
  // sequenced in the same pass).
  return sequencedAuditEvent(db, read.id);
}

/**
 * The report as JSON, one page of events at a time (oldest first). The first page (no cursor) is the audited
 * read; later pages are that same report (events up to its read), served to the same user for CURSOR_MINUTES.
 */
export async function getCustodyReport(deps: Deps, user: User, recordingId: string, q: { limit: number; cursor?: string }) {
  const { db } = deps;
  const cursor = decodeCursor(q.cursor, custodyCursor);
  let upto: { seq: string; at: Date; hash: Buffer };
  let after: string;
  if (cursor) {
    await requireAccess(db, user, 'recording.custody.read', [recordingId]);
    const [readSeq, afterSeq] = cursor;
    const read = await repo.eventBySeq(db, readSeq);
    // A cursor is only good with the read it continues: this user's read of this recording.
    if (!read || read.action !== 'recording.custody.read' || read.actor_id !== user.id || read.target_id !== recordingId || BigInt(afterSeq) > BigInt(readSeq)) {
      throw new AppError('INVALID_CURSOR', {}, { cursor: { zh: '分页游标无效', en: 'invalid page cursor' } });
    }
    const now = testClock ? testClock() : await repo.databaseNow(db);
    if (now.getTime() - read.at.getTime() > CURSOR_MINUTES * 60_000) throw new AppError('CUSTODY_CURSOR_EXPIRED', { minutes: CURSOR_MINUTES });
    upto = { seq: readSeq, at: read.at, hash: read.hash };
    after = afterSeq;
  } else {
    const read = await openReport(deps, user, recordingId, 'json');
    upto = { seq: read.seq, at: read.at, hash: read.hash };
    after = '0';
  }
  const h = await header(deps, recordingId, upto);
  const rows = await repo.eventsPage(db, h.subjects, { afterSeq: after, uptoSeq: upto.seq, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    ...h.view,
    generatedAt: new Date().toISOString(),
    events: await pageViews(db, page, recordingId),
    nextCursor: rows.length > q.limit && last ? encodeCursor([upto.seq, last.seq]) : null,
  };
}

export type CustodyHeader = Awaited<ReturnType<typeof header>>['view'];

/**
 * The events of the report in batches, oldest first, up to its read event: what the PDF writer walks, so a
 * recording with any number of events is never held whole in memory.
 */
export async function* custodyEvents(deps: Deps, subjects: repo.Subjects, uptoSeq: string, batch = 500): AsyncGenerator<CustodyEventView[]> {
  let after = '0';
  for (;;) {
    const rows = await repo.eventsPage(deps.db, subjects, { afterSeq: after, uptoSeq, limit: batch });
    if (!rows.length) return;
    yield await pageViews(deps.db, rows, subjects.recordingId);
    if (rows.length < batch) return;
    after = rows.at(-1)!.seq;
  }
}

/**
 * Opens the report for the PDF: access checked, the read audited, the header ready, the events to walk.
 * `o.packageId`: the report goes into that evidence package, whose own access decision covered it (see openReport).
 */
export async function openCustodyPdf(deps: Deps, user: Pick<User, 'id' | 'username'> & Partial<User>, recordingId: string, o: { packageId?: string } = {}) {
  const read = await openReport(deps, user, recordingId, 'pdf', o.packageId);
  const upto = { seq: read.seq, at: read.at, hash: read.hash };
  const h = await header(deps, recordingId, upto);
  const reader = (await identities(deps.db, [user.id])).get(user.id);
  return {
    header: h.view,
    generatedAt: new Date(),
    generatedBy: reader ? personText(reader) : user.username,
    events: custodyEvents(deps, h.subjects, upto.seq),
  };
}
