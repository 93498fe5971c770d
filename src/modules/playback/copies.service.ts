import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { appendAuditEvent, canonicalJson } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { assertRecordingsNotDisposed } from '../recordings/recording-disposed.ts';
import { hashFile } from '../../platform/hashing/dual-hasher.ts';
import { copiesDir } from '../../platform/storage/data-folders.ts';
import { shanghaiFields } from '../../platform/time.ts';
import { liveGrantFor, requireAccess } from '../access/access.service.ts';
import { installationKey } from './installation-key.ts';
import * as repo from './playback.repository.ts';
import { burnInWatermark } from './watermark.ts';

/**
 * Copies (第二十条: no private copying — a copy exists only under a copy grant, and every one is on record):
 * the original as its untouched bytes, or the proxy with the taker's name, staff number and the time burned in.
 * Each copy gets a receipt (who, when, which grant, SHA-256 and SM3 of exactly the bytes handed out) signed with
 * the installation's Ed25519 key, written with its audit event in one transaction. The count of a grant's copies
 * is the count of its receipts.
 */

export type CopyKind = 'original' | 'watermarked-proxy';

/** Watermarked copies wait this long in the shared folder for their download, then the sweep removes them. */
export const COPY_KEEP_HOURS = 24;

const copyFile = (config: Pick<Deps['config'], 'sharedDir'>, receiptId: string) => path.join(copiesDir(config), `${receiptId}.mp4`);

/** 'YYYY-MM-DD HH:mm:ss' in Beijing time. */
function beijingTime(d: Date): string {
  const t = shanghaiFields(d);
  return `${t.y}-${t.mo}-${t.d} ${t.h}:${t.mi}:${t.s}`;
}

/** What a receipt states; signed as its canonical JSON. */
export interface ReceiptStatement {
  type: 'quanlu.copy-receipt';
  version: 1;
  receiptId: string;
  recordingId: string;
  originalSha256: string;
  kind: CopyKind;
  fileName: string;
  sha256: string;
  sm3: string;
  sizeBytes: number;
  issuedAt: string;
  copiedBy: { userId: string; username: string; name: string; staffNumber: string | null };
  grantId: string | null;
  keyId: string;
}

/** A receipt as the API returns it: the statement, its exact signed text, the signature and the key's id. */
function receiptView(r: { statement: string; signature: string; key_id: string }) {
  return { statement: JSON.parse(r.statement) as ReceiptStatement, signedText: r.statement, signature: r.signature, keyId: r.key_id, algorithm: 'Ed25519' as const };
}

/** Makes a copy of a recording under the caller's live copy grant and signs its receipt. */
export async function makeCopy(deps: Deps, user: AuthUser, recordingId: string, kind: CopyKind) {
  const { db, config } = deps;
  await requireAccess(db, user, 'recording.copy', [recordingId]);
  await assertRecordingsNotDisposed(db, [recordingId]);
  const grant = await liveGrantFor(db, user, 'copy', recordingId);
  const original = await repo.findOriginal(db, recordingId);
  if (!original) throw new AppError('NOT_FOUND');
  const who = await repo.viewerIdentity(db, user.id);
  const name = who.person_name ?? who.display_name;
  const receiptId = randomUUID();
  const issuedAt = new Date();
  let digest: { sha256: string; sm3: string; size: number };
  let fileName: string;
  let made: string | undefined;
  if (kind === 'original') {
    digest = { sha256: original.sha256, sm3: original.sm3, size: Number(original.size_bytes) };
    fileName = original.file_name;
  } else {
    const proxy = await repo.findProxy(db, recordingId);
    if (!proxy) throw new AppError('MEDIA_NOT_READY');
    if (!proxy.mimeType.startsWith('video/')) throw new AppError('MEDIA_UNSUPPORTED', { reason: { zh: '音频没有画面，无法加水印；可申请复制原始文件', en: 'audio has no picture for a watermark; copy the original instead' } });
    await mkdir(copiesDir(config), { recursive: true, mode: 0o700 });
    made = copyFile(config, receiptId);
    const text = `${name} ${who.staff_number ?? who.username} ${beijingTime(issuedAt)} 北京时间 复制件 ${receiptId.slice(0, 8)}`;
    const local = deps.storage.localPath?.(proxy.sha256);
    const input = local ?? `${made}.proxy`;
    try {
      if (!local) await pipeline(await deps.storage.get(proxy.sha256), createWriteStream(input, { mode: 0o600 }));
      await burnInWatermark(input, made, text, { durationSec: proxy.durationSec });
    } finally {
      if (!local) await rm(input, { force: true });
    }
    digest = await hashFile(made);
    fileName = `${path.parse(original.file_name).name}-watermarked-${receiptId.slice(0, 8)}.mp4`;
  }
  const key = await installationKey(config.dataDir);
  const statement: ReceiptStatement = {
    type: 'quanlu.copy-receipt',
    version: 1,
    receiptId,
    recordingId,
    originalSha256: original.sha256,
    kind,
    fileName,
    sha256: digest.sha256,
    sm3: digest.sm3,
    sizeBytes: digest.size,
    issuedAt: issuedAt.toISOString(),
    copiedBy: { userId: user.id, username: user.username, name, staffNumber: who.staff_number },
    grantId: grant?.id ?? null,
    keyId: key.keyId,
  };
  const signedText = canonicalJson(statement);
  const signature = key.sign(signedText);
  try {
    await db.transaction().execute(async (trx) => {
      await repo.insertReceipt(trx, {
        id: receiptId,
        recordingId,
        userId: user.id,
        grantId: statement.grantId,
        kind,
        sha256: digest.sha256,
        sm3: digest.sm3,
        sizeBytes: digest.size,
        issuedAt,
        statement: signedText,
        signature,
        keyId: key.keyId,
      });
      await appendAuditEvent(trx, {
        actor: actorOf(user),
        action: 'recording.copy',
        target: { type: 'recording', id: recordingId },
        details: { receiptId, kind, grantId: statement.grantId, sha256: digest.sha256, sm3: digest.sm3, sizeBytes: digest.size },
      });
    });
  } catch (e) {
    if (made) await rm(made, { force: true });
    throw e;
  }
  return { ...receiptView({ statement: signedText, signature, key_id: key.keyId }), downloadUrl: `/api/copies/${receiptId}/file` };
}

/** A receipt, for the person who took the copy. */
export async function getReceipt({ db }: Deps, user: AuthUser, receiptId: string) {
  const r = await repo.findReceipt(db, receiptId);
  if (!r || r.user_id !== user.id) throw new AppError('NOT_FOUND');
  return receiptView(r);
}

/**
 * The bytes of a copy, for the person who took it while their copy grant still holds (a revoked grant stops
 * downloads too). Each download is audited.
 */
export async function downloadCopy(deps: Deps, user: AuthUser, receiptId: string): Promise<{ size: number; fileName: string; mimeType: string; stream: Readable }> {
  const { db, config, storage } = deps;
  const r = await repo.findReceipt(db, receiptId);
  if (!r || r.user_id !== user.id) throw new AppError('NOT_FOUND');
  await requireAccess(db, user, 'recording.copy', [r.recording_id]);
  await assertRecordingsNotDisposed(db, [r.recording_id]);
  const statement = JSON.parse(r.statement) as ReceiptStatement;
  let stream: Readable;
  if (r.kind === 'original') {
    stream = await storage.get(r.sha256);
  } else {
    const file = copyFile(config, r.id);
    const s = await stat(file).catch(() => undefined);
    if (!s) throw new AppError('COPY_EXPIRED', { hours: COPY_KEEP_HOURS });
    stream = createReadStream(file);
  }
  await db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'recording.copy.download',
      target: { type: 'recording', id: r.recording_id },
      details: { receiptId: r.id, kind: r.kind, sha256: r.sha256 },
    }),
  );
  return { size: Number(r.size_bytes), fileName: statement.fileName, mimeType: r.kind === 'original' ? 'application/octet-stream' : 'video/mp4', stream };
}

/** Removes watermarked copies older than COPY_KEEP_HOURS (their receipts stay). */
export async function sweepCopies(config: Pick<Deps['config'], 'sharedDir'>, now = Date.now()): Promise<number> {
  let removed = 0;
  const dir = copiesDir(config);
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, f);
    const s = await stat(file).catch(() => undefined);
    if (s && now - s.mtimeMs > COPY_KEEP_HOURS * 3600_000) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
