import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { WORK_FOLDER } from '../../platform/storage/data-folders.ts';
import { getSetting } from '../settings/settings.service.ts';
import { accessFilter, requireAccess } from '../access/access.service.ts';
import * as repo from './media-sets.repository.ts';
import { volumeFor } from './media-sets.service.ts';
import type { MediaType } from './volume-plan.ts';
import { verifyVolume } from './volume-verify.ts';

/**
 * The register of physical media (光盘、移动存储介质) made from verified volumes, and their re-verification
 * (档案法实施条例 art. 41: periodic checks that media and data are still readable; GB/T 18894 sample checks of at
 * least 10 %). A check is either the image read from the medium, sent to the server and compared with what was
 * written (method 'image'), or what the operator reports (missing, unreadable, or the offline verifier's answer on
 * the medium itself — method 'reported'). Missing, unreadable and mismatching media are alerts (工作台).
 */

type CheckResult = 'ok' | 'unreadable' | 'missing' | 'mismatch';

async function intervalMonths(db: DbOrTx): Promise<number> {
  return Number(await getSetting(db, 'media.checkIntervalMonths'));
}

/** A medium's alert (工作台, register): missing, unreadable or mismatching at its last check, else overdue in a round. */
function alertOf(m: repo.MediumRow): 'missing' | 'unreadable' | 'mismatch' | 'overdue' | null {
  if (m.status === 'missing' || m.status === 'unreadable' || m.status === 'mismatch') return m.status;
  return m.overdue ? 'overdue' : null;
}

function view(m: repo.MediumRow, due: Set<string>) {
  return {
    id: m.id,
    volumeId: m.volume_id,
    setId: m.set_id,
    label: m.label,
    mediaType: m.media_type,
    maker: m.maker,
    madeOn: m.made_on,
    storagePlace: m.storage_place,
    registeredAt: m.registered_at.toISOString(),
    registeredBy: m.registered_by,
    volumeNo: m.volume_no,
    volumeCount: m.volume_count,
    volumeLabel: m.volume_label,
    nextCheckDue: m.next_check_due.toISOString(),
    status: m.status,
    lastCheckedAt: m.last_checked_at?.toISOString() ?? null,
    due: due.has(m.id),
    overdue: m.overdue,
    alert: alertOf(m),
  };
}

/** The media of this round (due ones, topped up to the sample share) the caller may see. */
async function roundOf(db: DbOrTx, user: AuthUser) {
  const visible = await accessFilter(db, user, 'disc.read', 'd');
  const total = await repo.countMedia(db, visible);
  const percent = Number(await getSetting(db, 'media.checkSamplePercent'));
  return repo.checkRound(db, visible, Math.ceil((total * percent) / 100));
}

/** Registers the physical medium made from a verified volume; its first check is due one interval later. */
export async function registerMedium(deps: Deps, user: AuthUser, volumeId: string, input: { label: string; mediaType: MediaType; maker: string; madeOn: string; storagePlace: string }) {
  const id = await deps.db.transaction().execute(async (trx) => {
    const v = await volumeFor(trx, user, volumeId, 'disc.write');
    if (v.set_state !== 'built' || !v.verify_ok) throw new AppError('MEDIA_SET_NOT_BUILT', { state: v.set_state });
    const id = await repo.insertMedium(trx, { volumeId, ...input, registeredBy: user.id, months: await intervalMonths(trx) });
    if (!id) throw new AppError('CONFLICT', { what: { zh: `介质标签“${input.label}”`, en: `Medium label "${input.label}"` } });
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'media.medium.register', target: { type: 'physical_medium', id }, details: { volumeId, setId: v.set_id, ...input } });
    return id;
  });
  return getMedium(deps, user, id);
}

async function visibleMedium(db: DbOrTx, user: AuthUser, id: string, action: 'disc.read' | 'disc.write') {
  const m = await repo.findMedium(db, id);
  if (!m) throw new AppError('NOT_FOUND');
  await requireAccess(db, user, action, [m.department_id]);
  return m;
}

/** One medium with its checks. */
export async function getMedium(deps: Deps, user: AuthUser, id: string) {
  const m = await visibleMedium(deps.db, user, id, 'disc.read');
  const due = new Set((await roundOf(deps.db, user)).map((x) => x.id));
  const checks = await repo.checksOf(deps.db, id);
  return {
    ...view(m, due),
    checks: checks.map((c) => ({ id: c.id, checkedAt: c.checked_at.toISOString(), checkedBy: c.username, method: c.method, result: c.result, detail: c.detail })),
  };
}

/** The register (`alerting`: only media with an alert — missing, unreadable, mismatching, or overdue in a round). */
export async function listMedia(deps: Deps, user: AuthUser, o: { alerting?: boolean } = {}) {
  const visible = await accessFilter(deps.db, user, 'disc.read', 'd');
  const due = new Set((await roundOf(deps.db, user)).map((x) => x.id));
  return { items: (await repo.listMedia(deps.db, visible, o)).map((m) => view(m, due)) };
}

/** This check round: media due, topped up to at least the sample share (default 10 %) of all media. */
export async function checkRound(deps: Deps, user: AuthUser) {
  const round = await roundOf(deps.db, user);
  const due = new Set(round.map((x) => x.id));
  return { items: round.map((m) => view(m, due)) };
}

/**
 * Records a check. A bad result raises the medium's alert and a good one clears an alert it had (missing,
 * unreadable, mismatch or overdue); either change is an audit event of its own besides the check.
 */
async function record(deps: Deps, user: AuthUser, m: repo.MediumRow, method: 'image' | 'reported', result: CheckResult, detail: string) {
  await deps.db.transaction().execute(async (trx) => {
    const id = await repo.insertCheck(trx, { mediumId: m.id, by: user.id, method, result, detail, months: await intervalMonths(trx) });
    const target = { type: 'physical_medium', id: m.id };
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'media.medium.check', target, details: { checkId: id, method, result, detail } });
    const before = alertOf(m);
    if (result !== 'ok') await appendAuditEvent(trx, { actor: actorOf(user), action: 'media.medium.alert', target, details: { alert: result, checkId: id, label: m.label } });
    else if (before) await appendAuditEvent(trx, { actor: actorOf(user), action: 'media.medium.alert_cleared', target, details: { was: before, checkId: id, label: m.label } });
  });
  return getMedium(deps, user, m.id);
}

/** Records what the operator found (missing, unreadable, or the offline verifier's result on the medium). */
export async function reportCheck(deps: Deps, user: AuthUser, id: string, input: { result: CheckResult; detail: string }) {
  const m = await visibleMedium(deps.db, user, id, 'disc.write');
  return record(deps, user, m, 'reported', input.result, input.detail);
}

/**
 * Checks a medium by its image: the bytes read from the medium (e.g. `dd if=/dev/sr0 of=x.iso`, or the drive's
 * folder as an image) arrive here and are compared, file by file, with what was written — every original's
 * SHA-256 and SM3 recorded at ingest, and the manifest. Result: ok, mismatch (a file missing or changed, or
 * another volume), or unreadable (not an ISO 9660 image at all).
 */
export async function checkByImage(deps: Deps, user: AuthUser, id: string, body: Readable) {
  const m = await visibleMedium(deps.db, user, id, 'disc.write');
  const vol = await repo.findVolume(deps.db, m.volume_id);
  const dir = path.join(deps.config.dataDir, WORK_FOLDER);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `medium-check-${randomUUID()}.iso`);
  try {
    await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    const contents = (await repo.setContents(deps.db, m.set_id)).filter((c) => c.volume_no === m.volume_no);
    const expected = contents.map((c) => ({ path: c.path, sha256: c.sha256, sm3: c.sm3, size: Number(c.size_bytes) }));
    let result: CheckResult;
    let detail: string;
    try {
      const c = await verifyVolume({ kind: 'iso', file }, expected, vol?.manifest_sha256 ?? null);
      result = c.ok ? 'ok' : 'mismatch';
      detail = c.ok
        ? `映像与清单一致 image matches the manifest: ${c.filesChecked} files, ${c.bytesChecked} bytes`
        : `不一致 mismatch: ${c.problems.map((p) => `${p.path} (${p.problem})`).join('; ')}`.slice(0, 1000);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'MEDIUM_IMAGE_UNREADABLE') throw e;
      result = 'unreadable';
      detail = `映像无法读取 image unreadable: ${String(e.params.reason ?? '')}`.slice(0, 1000);
    }
    return await record(deps, user, m, 'image', result, detail);
  } finally {
    await rm(file, { force: true });
  }
}
