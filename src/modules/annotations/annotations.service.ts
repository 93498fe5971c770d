import { createHash } from 'node:crypto';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Database, DbOrTx, Tx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { isAllowed, requireAccess } from '../access/access.service.ts';
import * as repo from './annotations.repository.ts';
import type { AnnotationCreate, AnnotationEdit } from './annotations.schema.ts';

/**
 * Annotations (标注) and transcripts (转写) of a recording (issue 8 §6). Where a recording replaces a written
 * record, its key content is noted with the time range (公安机关办理行政案件程序规定); audio handed to a court
 * needs a transcript (行政诉讼证据规定 art. 12). They are records beside the recording — the original never
 * changes (第八条) — and versioned: an edit or a deletion appends a version (the tables are append-only, for
 * the serving role and by trigger). 第十四条: seeing them is seeing the recording's content, so it needs what
 * seeing the media needs ('recording.media.view') and is audited as a view, once per read (not per row);
 * writing them needs 'recording.annotate' (a live grant, or the uploader's tagging window). Every write is one
 * transaction with its audit event.
 */

type Layer = 'note' | 'transcript';

/** The audit actions, per layer and operation (written out so the names catalogue finds each). */
const AUDIT = {
  note: {
    create: { action: 'recording.annotation.create' },
    update: { action: 'recording.annotation.update' },
    delete: { action: 'recording.annotation.delete' },
  },
  transcript: {
    create: { action: 'recording.transcript.create' },
    update: { action: 'recording.transcript.update' },
    delete: { action: 'recording.transcript.delete' },
  },
} as const;

const toSec = (ms: number) => ms / 1000;
const toMs = (sec: number) => Math.round(sec * 1000);

/** mm:ss (h:mm:ss past an hour), as the error message and the web UI show times. */
export function clockText(sec: number): string {
  const s = Math.floor(sec);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${String(mm).padStart(2, '0')}:${ss}`;
}

const user = (id: string, username: string, displayName: string | null) => ({ id, username, displayName });

function toView(r: repo.CurrentRow) {
  return {
    id: r.id,
    recordingId: r.recording_id,
    layer: r.layer,
    version: r.version,
    kind: r.kind,
    speaker: r.speaker,
    startSec: toSec(r.start_ms),
    endSec: toSec(r.end_ms),
    text: r.body,
    deleted: r.deleted,
    createdBy: user(r.creator_id, r.creator_username, r.creator_display_name),
    createdAt: r.created_at.toISOString(),
    updatedBy: user(r.author_id, r.author_username, r.author_display_name),
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * Writing needs 'recording.annotate'. Someone who may see the annotations but not write them is told so (403:
 * they know the recording); anyone else gets 404, as for a recording that does not exist.
 */
async function requireWrite(db: DbOrTx, u: AuthUser, recordingId: string): Promise<void> {
  if (await isAllowed(db, u, 'recording.annotate', recordingId)) return;
  if (await isAllowed(db, u, 'recording.media.view', recordingId)) throw new AppError('ANNOTATION_READ_ONLY');
  throw new AppError('NOT_FOUND');
}

/** The range must lie within the recording, whose duration must be known. */
async function checkRange(db: DbOrTx, recordingId: string, startMs: number, endMs: number): Promise<void> {
  const d = await repo.recordingDuration(db, recordingId);
  if (!d) throw new AppError('NOT_FOUND');
  if (d.durationSec === null) throw new AppError('ANNOTATION_NO_DURATION');
  if (endMs > Math.round(d.durationSec * 1000)) {
    throw new AppError('ANNOTATION_BEYOND_DURATION', { duration: clockText(d.durationSec) }, { endSec: { zh: `不能晚于 ${clockText(d.durationSec)}`, en: `must not be after ${clockText(d.durationSec)}` } });
  }
  if (startMs >= endMs) throw new AppError('VALIDATION_FAILED', {}, { endSec: { zh: '结束时间须晚于开始时间', en: 'the end must be after the start' } });
}

/** Layer rules of a new version: a note has a kind and no speaker, a transcript segment a speaker at most. */
function layerFields(layer: Layer, kind: 'key_content' | 'note' | undefined, speaker: string | null | undefined) {
  if (layer === 'note' && !kind) throw new AppError('VALIDATION_FAILED', {}, { kind: { zh: '请选择标注类型', en: 'choose the kind of note' } });
  if (layer === 'transcript' && kind) throw new AppError('VALIDATION_FAILED', {}, { kind: { zh: '转写段落没有标注类型', en: 'a transcript segment has no kind' } });
  if (layer === 'note' && speaker) throw new AppError('VALIDATION_FAILED', {}, { speaker: { zh: '标注没有说话人', en: 'a note has no speaker' } });
  return { kind: layer === 'note' ? kind! : null, speaker: layer === 'transcript' ? (speaker ?? null) : null };
}

/** What the audit chain keeps of a version: where and how long, and a hash of the text — not the text itself
 * (the audit log is read by roles that may not see the recording's content, 第十四条). */
function auditDetails(annotationId: string, layer: Layer, v: repo.VersionInput) {
  return {
    annotationId,
    layer,
    version: v.version,
    kind: v.kind,
    startSec: toSec(v.startMs),
    endSec: toSec(v.endMs),
    textLength: v.body.length,
    textSha256: createHash('sha256').update(v.body, 'utf8').digest('hex'),
  };
}

/** Two writers of the same version: the loser's insert meets the winner's primary key (or sequence trigger). */
function isLostRace(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || (err?.code === '23514' && /QUANLU_ANNOTATION_SEQUENCE/.test(err.message ?? ''));
}

async function currentView(trx: Tx, recordingId: string, id: string) {
  const [row] = await repo.currentVersions(trx, recordingId, { includeDeleted: true, ids: [id] });
  return toView(row!);
}

/**
 * A recording's notes and/or transcript as they stand, and whether the caller may write them. One audit event
 * per read, with how many entries were shown: what each said at that moment is the version current at the
 * event's time (versions are never changed, so the history answers it).
 */
export async function listAnnotations({ db }: Deps, u: AuthUser, recordingId: string, q: { layer?: Layer; includeDeleted?: 'true' | 'false' }) {
  await requireAccess(db, u, 'recording.media.view', [recordingId]);
  const includeDeleted = q.includeDeleted === 'true';
  const mayWrite = await isAllowed(db, u, 'recording.annotate', recordingId);
  const duration = await repo.recordingDuration(db, recordingId);
  const rows = await db.transaction().execute(async (trx) => {
    const found = await repo.currentVersions(trx, recordingId, { layer: q.layer, includeDeleted });
    await appendAuditEvent(trx, {
      actor: actorOf(u),
      action: 'recording.annotations.view',
      target: { type: 'recording', id: recordingId },
      details: {
        layer: q.layer ?? 'all',
        includeDeleted,
        notes: found.filter((r) => r.layer === 'note').length,
        transcriptSegments: found.filter((r) => r.layer === 'transcript').length,
      },
    });
    return found;
  });
  return { recordingId, durationSec: duration?.durationSec ?? null, mayWrite, items: rows.map(toView) };
}

/** Adds a note or transcript segment (version 1). */
export async function createAnnotation({ db }: Deps, u: AuthUser, recordingId: string, input: AnnotationCreate) {
  await requireWrite(db, u, recordingId);
  const f = layerFields(input.layer, input.kind, input.speaker);
  const startMs = toMs(input.startSec);
  const endMs = toMs(input.endSec);
  await checkRange(db, recordingId, startMs, endMs);
  return db.transaction().execute(async (trx) => {
    const a = await repo.insertAnnotation(trx, { recordingId, layer: input.layer, createdBy: u.id });
    const v: repo.VersionInput = { annotationId: a.id, version: 1, ...f, startMs, endMs, body: input.text, deleted: false, authorId: u.id };
    await repo.insertVersion(trx, v);
    await appendAuditEvent(trx, { actor: actorOf(u), ...AUDIT[input.layer].create, target: { type: 'recording', id: recordingId }, details: auditDetails(a.id, input.layer, v) });
    return currentView(trx, recordingId, a.id);
  });
}

/** The annotation and its latest version, checked writable by the caller and still open at `version`. */
async function openForWrite(db: DbOrTx, u: AuthUser, id: string, version: number) {
  const a = await repo.findAnnotation(db, id);
  if (!a) throw new AppError('NOT_FOUND');
  await requireWrite(db, u, a.recording_id);
  const latest = (await repo.latestVersion(db, id))!;
  if (latest.deleted) throw new AppError('ANNOTATION_DELETED', { version: latest.version });
  if (latest.version !== version) throw new AppError('ANNOTATION_STALE', { current: latest.version, version });
  return { a, latest };
}

/** Appends a version (the content, the author, the audit event) — or says someone else got there first. */
async function appendVersion(db: Database, u: AuthUser, a: { id: string; recording_id: string; layer: Layer }, v: repo.VersionInput, op: 'update' | 'delete') {
  try {
    return await db.transaction().execute(async (trx) => {
      await repo.insertVersion(trx, v);
      await appendAuditEvent(trx, {
        actor: actorOf(u),
        ...AUDIT[a.layer][op],
        target: { type: 'recording', id: a.recording_id },
        details: { ...auditDetails(a.id, a.layer, v), previousVersion: v.version - 1 },
      });
      return currentView(trx, a.recording_id, a.id);
    });
  } catch (e) {
    if (!isLostRace(e)) throw e;
    const latest = await repo.latestVersion(db, a.id);
    if (latest?.deleted) throw new AppError('ANNOTATION_DELETED', { version: latest.version });
    throw new AppError('ANNOTATION_STALE', { current: latest?.version ?? v.version, version: v.version - 1 });
  }
}

/**
 * A new version of a note or segment, edited from `version` (409 when a later one exists or it was deleted).
 * An edit that changes nothing writes nothing and returns the entry as it is.
 */
export async function editAnnotation({ db }: Deps, u: AuthUser, id: string, input: AnnotationEdit) {
  const { a, latest } = await openForWrite(db, u, id, input.version);
  const f = layerFields(a.layer, input.kind, input.speaker);
  const startMs = toMs(input.startSec);
  const endMs = toMs(input.endSec);
  await checkRange(db, a.recording_id, startMs, endMs);
  const v: repo.VersionInput = { annotationId: id, version: latest.version + 1, ...f, startMs, endMs, body: input.text, deleted: false, authorId: u.id };
  const same = latest.kind === v.kind && latest.speaker === v.speaker && latest.start_ms === startMs && latest.end_ms === endMs && latest.body === v.body;
  if (same) return (await repo.currentVersions(db, a.recording_id, { includeDeleted: true, ids: [id] })).map(toView)[0]!;
  return appendVersion(db, u, a, v, 'update');
}

/** Deletes a note or segment: a last version marked deleted (it keeps the content it removes). */
export async function deleteAnnotation({ db }: Deps, u: AuthUser, id: string, version: number) {
  const { a, latest } = await openForWrite(db, u, id, version);
  const v: repo.VersionInput = {
    annotationId: id,
    version: latest.version + 1,
    kind: latest.kind,
    speaker: latest.speaker,
    startMs: latest.start_ms,
    endMs: latest.end_ms,
    body: latest.body,
    deleted: true,
    authorId: u.id,
  };
  return appendVersion(db, u, a, v, 'delete');
}

/** Every version of a note or segment (who, when, what), oldest first. Reading it is a view (audited). */
export async function annotationHistory({ db }: Deps, u: AuthUser, id: string) {
  const a = await repo.findAnnotation(db, id);
  if (!a) throw new AppError('NOT_FOUND');
  await requireAccess(db, u, 'recording.media.view', [a.recording_id]);
  return db.transaction().execute(async (trx) => {
    const versions = await repo.versionsOf(trx, id);
    const creator = await repo.userRef(trx, a.created_by);
    await appendAuditEvent(trx, {
      actor: actorOf(u),
      action: 'recording.annotation.history.view',
      target: { type: 'recording', id: a.recording_id },
      details: { annotationId: id, layer: a.layer, versions: versions.length },
    });
    return {
      id,
      recordingId: a.recording_id,
      layer: a.layer,
      createdBy: user(creator.id, creator.username, creator.display_name),
      createdAt: a.created_at.toISOString(),
      versions: versions.map((x) => ({
        version: x.version,
        kind: x.kind,
        speaker: x.speaker,
        startSec: toSec(x.start_ms),
        endSec: toSec(x.end_ms),
        text: x.body,
        deleted: x.deleted,
        author: user(x.author_id, x.author_username, x.author_display_name),
        at: x.created_at.toISOString(),
      })),
    };
  });
}
