import { createHash, X509Certificate } from 'node:crypto';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { parseCosignatureLine, parseWitnessVkey, verifyCosignature, witnessKey, type ParsedCosignature } from './cosignature.ts';
import { NoteError, parseCheckpointText, splitNote, type Checkpoint } from './note.ts';
import * as tlogRepo from './tlog.repository.ts';
import type { CheckpointRow } from './tlog.repository.ts';
import * as repo from './tlog-witness.repository.ts';
import { requestTimestamp, TsaError, verifyTimeStampResponse } from './tsa.ts';

/**
 * Witnesses and trusted time of the transparency log (issue 13 §3–4; 第十三条: a court or another agency checks
 * the record without trusting QuanLu). An administrator registers each witness (another agency's key); a
 * witness's cosignature is accepted only when it verifies with that key over the note text of a checkpoint
 * this system signed. Each signed checkpoint is stamped by the configured RFC 3161 TSA; when the TSA cannot be
 * reached the checkpoint stays signed and unstamped, and the tlog.tick job asks again on its next runs.
 */

const noteText = (note: string) => note.slice(0, note.lastIndexOf('\n\n') + 1);

// ---- witnesses ----

export async function registerWitness(deps: Pick<Deps, 'db'>, user: Pick<AuthUser, 'id' | 'username'>, vkey: string) {
  let key;
  try {
    key = parseWitnessVkey(vkey);
  } catch {
    throw new AppError('TLOG_WITNESS_BAD_KEY');
  }
  return deps.db.transaction().execute(async (trx) => {
    const w = await repo.insertWitness(trx, { name: key.name, vkey: key.vkey, keyId: key.keyId, publicKey: key.publicKey, addedBy: user.id });
    if (!w) throw new AppError('TLOG_WITNESS_EXISTS');
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'tlog.witness.add',
      target: { type: 'tlog_witness', id: w.id },
      details: { name: w.name, vkey: w.vkey },
    });
    return { name: w.name, vkey: w.vkey, addedAt: w.addedAt.toISOString() };
  });
}

export async function listWitnesses(db: DbOrTx) {
  return (await repo.listWitnesses(db)).map((w) => ({ name: w.name, vkey: w.vkey, addedAt: w.addedAt.toISOString() }));
}

// ---- cosignatures ----

/**
 * A witness submits its cosignature of a checkpoint (public: the witness has no account here). Refused with
 * a 4xx, and nothing stored, unless the line is well formed, its key is registered, the checkpoint text is
 * that of a checkpoint this system signed, and the signature verifies.
 */
export async function submitCosignature(deps: Pick<Deps, 'db'>, body: { checkpoint: string; cosignature: string }) {
  let c: ParsedCosignature;
  let text: string;
  let cp: Checkpoint;
  try {
    c = parseCosignatureLine(body.cosignature);
    // The checkpoint text alone, or the whole signed note.
    text = body.checkpoint.includes('\n\n') ? splitNote(body.checkpoint).text : body.checkpoint;
    cp = parseCheckpointText(text);
  } catch (e) {
    if (e instanceof NoteError) throw new AppError('TLOG_COSIGNATURE_MALFORMED');
    throw e;
  }
  // A cosignature dated in the future (beyond clock skew) is not a record of something already seen.
  if (c.timestamp * 1000 > Date.now() + 3600_000) throw new AppError('TLOG_COSIGNATURE_MALFORMED');
  const w = await repo.witnessByKey(deps.db, c.name, c.keyId);
  if (!w) throw new AppError('TLOG_COSIGNATURE_UNKNOWN_WITNESS');
  const signed = (await repo.checkpointsOf(deps.db, cp.size, cp.root)).filter((k) => noteText(k.note) === text);
  if (!signed.length) throw new AppError('TLOG_COSIGNATURE_UNKNOWN_CHECKPOINT');
  if (!verifyCosignature(witnessKey(w.name, w.publicKey), text, c)) throw new AppError('TLOG_COSIGNATURE_BAD_SIGNATURE');
  const line = body.cosignature.endsWith('\n') ? body.cosignature : `${body.cosignature}\n`;
  const stored = await deps.db.transaction().execute(async (trx) => {
    const fresh = await repo.insertCosignature(trx, { witnessId: w.id, size: cp.size, root: cp.root, cosignedAt: new Date(c.timestamp * 1000), line });
    if (fresh) {
      await appendAuditEvent(trx, {
        actor: { kind: 'anonymous', label: `witness:${w.name}` },
        action: 'tlog.cosignature',
        target: { type: 'tlog_witness', id: w.id },
        details: { witness: w.name, size: cp.size, root: cp.root.toString('hex'), cosignedAt: new Date(c.timestamp * 1000).toISOString() },
      });
    }
    return fresh;
  });
  return { stored, witness: w.name, size: cp.size };
}

/** The cosignatures of a checkpoint that verify now with their registered keys. */
function verifiedCosignatures(k: CheckpointRow, all: repo.CosignatureRow[]) {
  const text = noteText(k.note);
  return all.filter((c) => {
    if (c.size !== k.size || !c.root.equals(k.root)) return false;
    try {
      return verifyCosignature(witnessKey(c.witnessName, c.publicKey), text, parseCosignatureLine(c.line));
    } catch {
      return false;
    }
  });
}

// ---- trusted time ----

function trustedTsaCert(deps: Pick<Deps, 'config'>): X509Certificate | undefined {
  const pem = deps.config.tlog.tsaCertPem;
  return pem ? new X509Certificate(pem) : undefined;
}

/** Stamps one checkpoint (the note exactly as the log signed it) and stores the verified reply. Throws TsaError. */
export async function stampCheckpoint(deps: Pick<Deps, 'db' | 'config'>, k: CheckpointRow): Promise<{ genTime: Date; tsaName: string }> {
  const url = deps.config.tlog.tsaUrl;
  if (!url) throw new TsaError('no TSA configured (QUANLU_TSA_URL)');
  const t = await requestTimestamp(url, Buffer.from(k.note, 'utf8'), { trusted: trustedTsaCert(deps) });
  await deps.db.transaction().execute(async (trx) => {
    await repo.insertTimestamp(trx, { checkpointId: k.id, tsaUrl: url, tsaName: t.tsaName, tsaCertPem: t.tsaCertPem, genTime: t.genTime, response: t.response });
    await appendAuditEvent(trx, {
      actor: { kind: 'system', label: 'tlog' },
      action: 'tlog.timestamp',
      target: { type: 'tlog_checkpoint', id: k.id },
      details: { size: k.size, genTime: t.genTime.toISOString(), tsa: t.tsaName, serialNumber: t.serialNumber },
    });
  });
  return { genTime: t.genTime, tsaName: t.tsaName };
}

/**
 * Stamps the newest checkpoints that have no token yet (the tick job, each minute). A TSA outage never
 * blocks signing: the checkpoint is already signed; this stops at the first failure and the next tick asks again.
 */
export async function stampPending(deps: Pick<Deps, 'db' | 'config'>, limit = 10): Promise<{ stamped: number; error?: string }> {
  if (!deps.config.tlog.tsaUrl) return { stamped: 0 };
  let stamped = 0;
  for (const k of (await repo.unstampedCheckpoints(deps.db, limit)).reverse()) {
    try {
      await stampCheckpoint(deps, k);
      stamped++;
    } catch (e) {
      if (e instanceof TsaError) return { stamped, error: e.message };
      throw e;
    }
  }
  return { stamped };
}

function verifiedTimestamps(k: CheckpointRow, all: repo.TimestampRow[], trusted: X509Certificate | undefined) {
  const digest = createHash('sha256').update(k.note, 'utf8').digest();
  return all.filter((t) => {
    if (t.checkpointId !== k.id) return false;
    try {
      verifyTimeStampResponse(t.response, { digest, trusted: trusted ?? new X509Certificate(t.tsaCertPem) });
      return true;
    } catch {
      return false;
    }
  });
}

// ---- reading ----

/**
 * For the evidence packager (issue 13 §5): the checkpoint of the largest tree of at least `minSize` leaves
 * that a registered witness cosigned — or, when none is, the largest signed one (`witnessed: false`) — with
 * every verified cosignature line appended to the log's note, the RFC 3161 replies over `signedNote` (the
 * note as the log signed it, without the cosignature lines), and the keys a verifier needs.
 * Throws TLOG_NO_CHECKPOINT when no signed checkpoint covers `minSize`.
 */
export async function witnessedCheckpoint(deps: Pick<Deps, 'db' | 'config'>, o: { minSize: number }) {
  const cosignedSize = await repo.largestCosignedSize(deps.db, o.minSize);
  let candidates: CheckpointRow[];
  if (cosignedSize !== undefined) {
    const top = await repo.checkpointAtLeast(deps.db, o.minSize, cosignedSize);
    candidates = top ? await repo.checkpointsOf(deps.db, top.size, top.root) : [];
  } else {
    const top = await repo.checkpointAtLeast(deps.db, o.minSize);
    candidates = top ? [top] : [];
  }
  if (!candidates.length) throw new AppError('TLOG_NO_CHECKPOINT');
  const trusted = trustedTsaCert(deps);
  const stamps = await repo.timestampsOf(
    deps.db,
    candidates.map((c) => c.id),
  );
  // Among checkpoints of the same tree (their SM2 signatures differ), the one with time-stamp tokens.
  const k = [...candidates].reverse().find((c) => verifiedTimestamps(c, stamps, trusted).length) ?? candidates[candidates.length - 1]!;
  const cosigs = verifiedCosignatures(k, await repo.cosignaturesOfSizes(deps.db, [k.size]));
  const timestamps = verifiedTimestamps(k, stamps, trusted);
  const tsaCerts = new Map<string, { name: string; certificatePem: string }>();
  for (const t of timestamps) tsaCerts.set(t.tsaCertPem, { name: t.tsaName, certificatePem: t.tsaCertPem });
  if (trusted) tsaCerts.set(trusted.toString(), { name: trusted.subject.replace(/\n/g, ', '), certificatePem: trusted.toString() });
  return {
    checkpointId: k.id,
    origin: parseCheckpointText(noteText(k.note)).origin,
    size: k.size,
    root: k.root,
    /** The log's note followed by every verified witness cosignature line (proof/checkpoint.txt). */
    note: k.note + cosigs.map((c) => c.line).join(''),
    /** The note exactly as the log signed it: what the time-stamp tokens stamp (SHA-256 of these bytes). */
    signedNote: k.note,
    witnessed: cosigs.length > 0,
    cosignatures: cosigs.map((c) => ({ name: c.witnessName, vkey: c.vkey, cosignedAt: c.cosignedAt.toISOString() })),
    timestamps: timestamps.map((t) => ({ tsaName: t.tsaName, genTime: t.genTime.toISOString(), der: t.response })),
    witnessKeys: [...new Map(cosigs.map((c) => [c.vkey, { name: c.witnessName, vkey: c.vkey }])).values()],
    tsaCertificatesPem: [...tsaCerts.values()],
  };
}

/** The latest checkpoint, cosigned (its note with every verified cosignature line); TLOG_NO_CHECKPOINT when none is. */
export async function latestCosignedNote(deps: Pick<Deps, 'db' | 'config'>): Promise<string> {
  const size = await repo.largestCosignedSize(deps.db, 0);
  if (size === undefined) throw new AppError('TLOG_NO_CHECKPOINT');
  return (await witnessedCheckpoint(deps, { minSize: size })).note;
}

async function attestations(deps: Pick<Deps, 'db' | 'config'>, checkpoints: CheckpointRow[]) {
  const trusted = trustedTsaCert(deps);
  const [cosigs, stamps] = await Promise.all([
    repo.cosignaturesOfSizes(
      deps.db,
      checkpoints.map((k) => k.size),
    ),
    repo.timestampsOf(
      deps.db,
      checkpoints.map((k) => k.id),
    ),
  ]);
  return checkpoints.map((k) => ({
    checkpointId: k.id,
    size: k.size,
    sealDay: k.sealDay,
    witnesses: verifiedCosignatures(k, cosigs).map((c) => ({ name: c.witnessName, cosignedAt: c.cosignedAt.toISOString(), verified: true })),
    timestamps: verifiedTimestamps(k, stamps, trusted).map((t) => ({ tsaName: t.tsaName, genTime: t.genTime.toISOString(), verified: true })),
  }));
}

/** For the seals page: each daily seal's and the latest checkpoint's witnesses and time stamps, re-verified now. */
export async function sealAttestations(deps: Pick<Deps, 'db' | 'config'>, limit = 60) {
  const [seals, latest] = await Promise.all([tlogRepo.listDailySeals(deps.db, limit), tlogRepo.latestCheckpoint(deps.db)]);
  const all = await attestations(deps, latest ? [latest, ...seals] : seals);
  return { latest: latest ? all[0]! : null, seals: latest ? all.slice(1) : all };
}
