import { appendAuditEvent, type Actor, type AuditInput } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { enqueueJob } from '../../platform/jobs/queue.ts';
import { accessFilter, allowedIds, isAllowed, reachOf } from '../access/access.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import { checkObject, type CheckOutcome } from './fixity-check.ts';
import * as repo from './fixity.repository.ts';
import type { FixityTarget } from './fixity.repository.ts';

/** The schedule runs one slice an hour; the slices of one period together cover every object. */
export const SLICE_HOURS = 1;
/** A slice stops after this long even if its share is not done (the next one continues; see `overdue`). */
const SLICE_BUDGET_MS = 50 * 60_000;
/** At most this many failing objects are re-checked per slice (so a repair clears its alert). */
const RECHECK_LIMIT = 100;
/** Store files younger than this are not called orphans: their rows may be committing right now. */
const ORPHAN_GRACE_MS = 10 * 60_000;
/** The store is listed for orphans by a scheduled slice at most this often (a full pass always lists it). */
const ORPHAN_SCAN_EVERY_MS = 24 * 3600_000;
/** Orphan keys kept in a pass result (the count is always exact). */
const ORPHAN_LIST_LIMIT = 1000;
const SCHEDULE_ACTOR: Actor = { kind: 'system', label: 'job:fixity' };

/** One failing object as a pass reports it: what, why, and which recordings it belongs to. */
export interface FixityFailure {
  sha256: string;
  kind: 'original' | 'derived';
  result: repo.FixityResult;
  detail: string | null;
  recordingIds: string[];
}

/** Store files without rows (their keys, capped) and how many; rows without files are `missing` failures. */
export interface OrphanReport {
  storeFilesWithoutRows: string[];
  storeFilesWithoutRowsCount: number;
  rowsWithoutFiles: string[];
}

export interface PassResult {
  runId: string;
  total: number;
  checked: number;
  failed: number;
  bytes: number;
  failures: FixityFailure[];
  /** Present when this pass listed the store. */
  orphans: OrphanReport | null;
  durationMs: number;
}

export interface PassProgress {
  checked: number;
  total: number;
  failed: number;
  bytes: number;
  sha256: string;
}

export type PassScope = { kind: 'slice' } | { kind: 'all' } | { kind: 'recording'; recordingId: string };

export interface PassOptions {
  scope: PassScope;
  /** Who asked: the schedule (system actor) or a person (CLI or API). */
  actor?: Actor;
  /** Read budget; the schedule uses the `fixity.readMBps` setting, a person's pass runs at full speed. */
  bytesPerSecond?: number;
  /** A run row made earlier (an API request queued the pass as a job). */
  runId?: string;
  requestedBy?: string | null;
  onProgress?: (p: PassProgress) => void;
  signal?: AbortSignal;
}

/**
 * Re-hashes stored objects and records each check; a mismatch or a missing object raises an alert (an
 * audit event `fixity.failed`, the alert list on 工作台, a failing check in the health detail). Scopes:
 * `slice` — the scheduled share (every object once per `fixity.periodDays`, read at `fixity.readMBps`);
 * `all` — every object now, and the store listed for orphans; `recording` — one recording's original and
 * derived files. One object at a time, so a pass never takes more than one disk stream from ingest.
 */
export async function runFixityPass(deps: Deps, opts: PassOptions): Promise<PassResult> {
  const { db } = deps;
  const started = Date.now();
  const schedule = opts.scope.kind === 'slice';
  const actor = opts.actor ?? SCHEDULE_ACTOR;
  const runId =
    opts.runId ?? (await repo.insertRun(db, { reason: schedule ? 'schedule' : 'manual', scope: opts.scope, requestedBy: opts.requestedBy ?? null, state: 'running' }));
  if (opts.runId) await repo.updateRun(db, runId, { state: 'running', checked: 0, failed: 0, bytes: 0, failures: [] });
  const progress: repo.RunProgress = { checked: 0, failed: 0, bytes: 0, failures: [] };
  const failures: FixityFailure[] = [];
  try {
    const bytesPerSecond = opts.bytesPerSecond ?? (schedule ? (await getSetting(db, 'fixity.readMBps')) * 1_000_000 : undefined);
    const checkOne = async (target: FixityTarget, total: number) => {
      const outcome = await checkObject(deps.storage, target, { bytesPerSecond, signal: opts.signal });
      const failure = await recordOutcome(deps, target, outcome, { reason: schedule ? 'schedule' : 'manual', runId, actor });
      progress.checked++;
      progress.bytes += outcome.bytesRead;
      if (failure) {
        progress.failed++;
        failures.push(failure);
      }
      opts.onProgress?.({ checked: progress.checked, total, failed: progress.failed, bytes: progress.bytes, sha256: target.sha256 });
      if (progress.checked % 50 === 0) await repo.updateRun(db, runId, { ...progress, total, failures });
    };

    let total = 0;
    if (opts.scope.kind === 'recording') {
      const targets = await repo.objectsOfRecording(db, opts.scope.recordingId);
      if (targets.length === 0) throw new AppError('NOT_FOUND');
      total = targets.length;
      for (const t of targets) await checkOne(t, total);
    } else if (opts.scope.kind === 'all') {
      total = await repo.countObjects(db);
      for (let after = ''; ; ) {
        const page = await repo.objectPage(db, after, 500);
        if (page.length === 0) break;
        for (const t of page) {
          opts.signal?.throwIfAborted();
          await checkOne(t, total);
        }
        after = page[page.length - 1]!.sha256;
      }
    } else {
      const periodDays = await getSetting(db, 'fixity.periodDays');
      const share = Math.ceil((await repo.countObjects(db)) / ((periodDays * 24) / SLICE_HOURS));
      const notSince = new Date(Date.now() - SLICE_HOURS * 3600_000);
      const recheck = await repo.failingToRecheck(db, RECHECK_LIMIT, notSince);
      const due = (await repo.dueObjects(db, share, notSince)).filter((t) => !recheck.some((r) => r.sha256 === t.sha256));
      total = recheck.length + due.length;
      for (const t of [...recheck, ...due]) {
        if (Date.now() - started > SLICE_BUDGET_MS) break;
        opts.signal?.throwIfAborted();
        await checkOne(t, total);
      }
    }

    const scanStore = opts.scope.kind === 'all' || (schedule && Date.now() - ((await repo.lastOrphanScanAt(db))?.getTime() ?? 0) > ORPHAN_SCAN_EVERY_MS);
    const orphans = scanStore ? await findOrphans(deps, failures, opts.signal) : null;
    const result: PassResult = { runId, total, checked: progress.checked, failed: progress.failed, bytes: progress.bytes, failures, orphans, durationMs: Date.now() - started };
    await db.transaction().execute(async (trx) => {
      await repo.updateRun(trx, runId, { ...progress, total, failures, state: 'done', finished: true, ...(orphans && { orphans }) });
      await appendAuditEvent(trx, {
        actor,
        action: 'fixity.pass',
        target: { type: 'fixity_run', id: runId },
        details: {
          scope: opts.scope,
          checked: result.checked,
          failed: result.failed,
          bytes: result.bytes,
          failing: failures.map((f) => f.sha256),
          ...(orphans && { storeFilesWithoutRows: orphans.storeFilesWithoutRowsCount, rowsWithoutFiles: orphans.rowsWithoutFiles.length }),
        },
      });
    });
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await repo.updateRun(db, runId, { ...progress, failures, state: 'failed', finished: true, error: message.slice(0, 2000) }).catch(() => undefined);
    throw error;
  }
}

/**
 * Records one check and, when the object's state changes, audits it in the same transaction:
 * `fixity.failed` when an object starts failing (or fails differently), `fixity.recovered` when a failing
 * object is intact again (e.g. repaired by a re-upload). Returns the failure, if any.
 */
async function recordOutcome(
  { db }: Deps,
  target: FixityTarget,
  outcome: CheckOutcome,
  ctx: { reason: 'schedule' | 'manual' | 'workstation'; runId: string | null; actor: Actor; at?: Date; alsoAudit?: AuditInput },
): Promise<FixityFailure | undefined> {
  return db.transaction().execute(async (trx) => {
    const before = await repo.findObjectState(trx, target.sha256);
    await repo.recordCheck(trx, { target, ...outcome, reason: ctx.reason, runId: ctx.runId, at: ctx.at ?? new Date() });
    if (ctx.alsoAudit) await appendAuditEvent(trx, ctx.alsoAudit);
    const wasFailing = !!before?.failing_since;
    const auditTarget = { type: target.kind === 'original' ? 'original' : 'derived_object', id: target.sha256 };
    if (outcome.result === 'ok') {
      if (wasFailing) await appendAuditEvent(trx, { actor: ctx.actor, action: 'fixity.recovered', target: auditTarget, details: { previous: before?.last_result ?? null, runId: ctx.runId } });
      return undefined;
    }
    const recordingIds = await repo.recordingsOfObject(trx, target.sha256);
    if (!wasFailing || before?.last_result !== outcome.result) {
      await appendAuditEvent(trx, {
        actor: ctx.actor,
        action: 'fixity.failed',
        target: auditTarget,
        details: { result: outcome.result, detail: outcome.detail, recordingIds, reason: ctx.reason, runId: ctx.runId },
      });
    }
    return { sha256: target.sha256, kind: target.kind, result: outcome.result, detail: outcome.detail, recordingIds };
  });
}

/**
 * Orphans: store files that no original or derived row names (listed from the store, older than a grace
 * period so a file whose row is committing right now is not one), and rows whose file is gone (the
 * `missing` failures of this pass).
 */
async function findOrphans(deps: Deps, failures: FixityFailure[], signal?: AbortSignal): Promise<OrphanReport> {
  const found: string[] = [];
  let count = 0;
  let batch: string[] = [];
  const flush = async () => {
    for (const key of await repo.keysWithoutRows(deps.db, batch)) {
      const stat = await deps.storage.stat(key);
      if (!stat || Date.now() - stat.mtime.getTime() < ORPHAN_GRACE_MS) continue;
      count++;
      if (found.length < ORPHAN_LIST_LIMIT) found.push(key);
    }
    batch = [];
  };
  for await (const key of deps.storage.list()) {
    signal?.throwIfAborted();
    batch.push(key);
    if (batch.length >= 1000) await flush();
  }
  await flush();
  return { storeFilesWithoutRows: found, storeFilesWithoutRowsCount: count, rowsWithoutFiles: failures.filter((f) => f.result === 'missing').map((f) => f.sha256) };
}

/** Workstation answer: `ok`, or why the card's copy must be kept. */
export type FreshCheck = 'ok' | 'damaged' | 'missing';

/** Fresh checks on request run one at a time in this process (each reads a whole original). */
let freshCheckQueue: Promise<unknown> = Promise.resolve();

/**
 * Re-hashes an original now, for the workstation before it clears a card (and for anyone who may upload).
 * Scoped like `/api/originals`: only originals with a recording in the caller's departments; any other
 * answer would tell an outsider that the bytes exist, so out of scope is NOT_FOUND. The check is recorded
 * and audited like any other.
 */
export async function verifyOriginalNow(deps: Deps, user: AuthUser, sha256: string) {
  const { db } = deps;
  const target = await repo.findOriginalTarget(db, sha256);
  if (!target || !(await repo.originalHasRecordingWhere(db, sha256, await accessFilter(db, user, 'recording.metadata.read', 'r')))) throw new AppError('NOT_FOUND');
  const run = freshCheckQueue.then(() => checkObject(deps.storage, target));
  freshCheckQueue = run.catch(() => undefined);
  const outcome = await run;
  const checkedAt = new Date();
  await recordOutcome(deps, target, outcome, {
    reason: 'workstation',
    runId: null,
    actor: actorOf(user),
    at: checkedAt,
    alsoAudit: { actor: actorOf(user), action: 'original.verify', target: { type: 'original', id: sha256 }, details: { result: outcome.result, durationMs: outcome.durationMs } },
  });
  const result: FreshCheck = outcome.result === 'ok' ? 'ok' : outcome.result === 'missing' ? 'missing' : 'damaged';
  return { sha256: target.sha256, sm3: target.sm3, sizeBytes: target.sizeBytes, result, check: outcome.result, detail: outcome.detail, checkedAt: checkedAt.toISOString() };
}

/**
 * Failing objects for the 工作台 alert. The count covers every object (damaged storage concerns everyone
 * who runs it); the listed items are those the caller may see — objects of recordings in their scope
 * (and, for agency-wide roles, objects without a recording).
 */
export async function fixityAlerts({ db }: Deps, user: AuthUser) {
  const all = await repo.failingObjects(db, 500);
  const everything = (await reachOf(db, user, 'recording.metadata.read')).all;
  const allowed = await allowedIds(db, user, 'recording.metadata.read', [...new Set(all.flatMap((o) => o.recordings.map((r) => r.id)))]);
  const visible = all.map((o) => ({ ...o, recordingIds: o.recordings.map((r) => r.id).filter((id) => allowed.has(id)) })).filter((o) => everything || o.recordingIds.length > 0);
  const failing = await repo.countFailing(db);
  const periodDays = await getSetting(db, 'fixity.periodDays');
  const overdue = await repo.countOverdue(db, new Date(Date.now() - periodDays * 86_400_000));
  return {
    failing,
    overdue,
    items: visible.slice(0, 100).map((o) => ({
      sha256: o.sha256,
      kind: o.kind,
      result: o.result,
      failingSince: o.failingSince.toISOString(),
      lastCheckedAt: o.lastCheckedAt.toISOString(),
      recordingIds: o.recordingIds,
    })),
  };
}

/**
 * The fixity line of the authenticated health detail: failing when any stored object failed its latest
 * check. (Not part of the public health: damaged objects are not a reason to take a node out of service.)
 */
export async function fixityHealthCheck({ db }: Deps): Promise<{ ok: boolean; ms: number; error?: string }> {
  const t0 = Date.now();
  const failing = await repo.countFailing(db);
  return failing === 0 ? { ok: true, ms: Date.now() - t0 } : { ok: false, ms: Date.now() - t0, error: `${failing} stored object(s) failed fixity / ${failing} 个存储文件完整性校验失败` };
}

/** A person asks for a pass over one recording (runs now) — or over everything (queued as a job). */
export async function requestPass(deps: Deps, user: AuthUser, body: { recordingId?: string }) {
  const actor = actorOf(user);
  if (body.recordingId) {
    // Out of scope looks exactly like an unknown recording (no existence oracle).
    if (!(await isAllowed(deps.db, user, 'recording.metadata.read', body.recordingId))) throw new AppError('NOT_FOUND');
    return { queued: false as const, result: await runFixityPass(deps, { scope: { kind: 'recording', recordingId: body.recordingId }, actor, requestedBy: user.id }) };
  }
  const runId = await deps.db.transaction().execute(async (trx) => {
    const id = await repo.insertRun(trx, { reason: 'manual', scope: { kind: 'all' }, requestedBy: user.id, state: 'queued' });
    await appendAuditEvent(trx, { actor, action: 'fixity.requested', target: { type: 'fixity_run', id }, details: { scope: { kind: 'all' } } });
    // In the same transaction: a queued run always has its job, and a rolled-back request leaves neither.
    await enqueueJob(trx, 'fixity.run', { runId: id }, { dedupeKey: `fixity.run:${id}` });
    return id;
  });
  return { queued: true as const, runId };
}

/** The job that runs a queued full pass. */
export async function runQueuedPass(deps: Deps, runId: string): Promise<void> {
  const run = await repo.findRun(deps.db, runId);
  if (!run || run.state === 'done') return;
  const by = run.requested_by ? await repo.findUserLabel(deps.db, run.requested_by) : undefined;
  await runFixityPass(deps, { scope: { kind: 'all' }, runId, actor: by ? actorOf(by) : SCHEDULE_ACTOR, requestedBy: run.requested_by });
}

/** A pass as the API shows it. */
export async function getRun({ db }: Deps, id: string) {
  const r = await repo.findRun(db, id);
  if (!r) throw new AppError('NOT_FOUND');
  return {
    id: r.id,
    reason: r.reason,
    scope: r.scope,
    state: r.state,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    total: r.total,
    checked: r.checked,
    failed: r.failed,
    bytes: Number(r.bytes),
    failures: r.failures as FixityFailure[],
    orphans: (r.orphans ?? null) as OrphanReport | null,
    error: r.error,
  };
}
