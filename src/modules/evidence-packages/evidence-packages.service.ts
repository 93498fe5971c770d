import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createPublicKey } from 'node:crypto';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { enqueueJob } from '../../platform/jobs/queue.ts';
import { PdfReport } from '../../platform/pdf/pdf-report.ts';
import { shanghaiDate } from '../../platform/time.ts';
import { liveGrantFor, requireAccess } from '../access/access.service.ts';
import { caseName } from '../case-files/case-file.service.ts';
import { assertRecordingsNotDisposed } from '../recordings/recording-disposed.ts';
import { assertCaseFileNotDisposed } from '../retention/case-disposal.service.ts';
import { markDeadlineDelivered } from '../cases/case-records.service.ts';
import { CUSTODY_PDF_TITLE, writeCustodyPdf } from '../custody/custody-pdf.ts';
import { openCustodyPdf, type CustodyEventView } from '../custody/custody.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import { parseCheckpointText, splitNote } from '../tlog/note.ts';
import * as tlogRepo from '../tlog/tlog.repository.ts';
import { inclusion, signCheckpoint } from '../tlog/tlog.service.ts';
import { witnessedCheckpoint } from '../tlog/tlog-witness.service.ts';
import {
  BAGIT_TXT,
  bagInfo,
  bagitProfile,
  bagName,
  eventJson,
  FORMAT,
  humanSize,
  itemNumber,
  manifest,
  payloadOxum,
  prettyJson,
  PROFILE_ID,
  safeName,
  tlogProof,
  type BagFile,
} from './bag.ts';
import { BagZip } from './bag-zip.ts';
import { custodyGraph } from './custody-graph.ts';
import { evidenceListPdf } from './evidence-list-pdf.ts';
import * as repo from './evidence-packages.repository.ts';
import { madeBy, mediaTypeOf, type PackageItem, type PackageMetadata } from './package-metadata.ts';
import { verifierPage } from './verifier-page.ts';

/**
 * 证据包 (第十三条; issue 13 §5): for a case (its linked recordings and the case file PDF) or a set of
 * recordings, under an approved copy grant (第二十条: no copy without one; the decision is access.policy's
 * 'recording.package' and 'case.package'), a BagIt bag in one streamed ZIP built by a job, with the proofs that
 * let a court check it offline against the transparency log. Format: PACKAGE-SPEC (format v1).
 */

const packagesDir = (dataDir: string) => path.join(dataDir, 'evidence-packages');
export const packageFile = (dataDir: string, id: string) => path.join(packagesDir(dataDir), `${id}.zip`);

/** Progress is written at most this often (bytes) while a package is built. */
const PROGRESS_EVERY_BYTES = 32 * 1024 * 1024;

type Input = { caseId: string } | { recordingIds: string[] };

/** The recordings of a request and the access decision over them (out of scope → 404, as unknown). */
async function itemsOf(deps: Deps, user: AuthUser, input: Input): Promise<{ caseId: string | null; recordingIds: string[] }> {
  const { db } = deps;
  if ('caseId' in input) {
    await requireAccess(db, user, 'case.package', [input.caseId]);
    const ids = await repo.linkedRecordingIds(db, input.caseId);
    if (!ids.length) throw new AppError('EVIDENCE_PACKAGE_EMPTY');
    await requireAccess(db, user, 'recording.package', ids);
    return { caseId: input.caseId, recordingIds: ids };
  }
  const ids = [...new Set(input.recordingIds)];
  await requireAccess(db, user, 'recording.package', ids);
  return { caseId: null, recordingIds: ids };
}

/**
 * Asks for a package: access decided now, the build queued as a job (progress on the package). A case file or a
 * recording destroyed by approved disposal (第十一条) is refused here with its 410, not when the job runs.
 */
export async function createPackage(deps: Deps, user: AuthUser, input: Input) {
  const { db } = deps;
  const { caseId, recordingIds } = await itemsOf(deps, user, input);
  if (caseId) await assertCaseFileNotDisposed(db, caseId);
  await assertRecordingsNotDisposed(db, recordingIds);
  const grant = await liveGrantFor(db, user, 'copy', recordingIds[0]!);
  if (!grant) throw new AppError('NOT_FOUND');
  const total = await repo.originalsSize(db, recordingIds);
  const row = await db.transaction().execute(async (trx) => {
    const p = await repo.insertPackage(trx, { caseId, recordingIds, grantId: grant.id, by: user.id, bytesTotal: total });
    await enqueueJob(trx, 'evidence-package.build', { packageId: p.id }, { dedupeKey: `evidence-package.build:${p.id}` });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'evidence_package.create',
      target: { type: 'evidence_package', id: p.id },
      details: { caseId, recordingIds, grantId: grant.id },
    });
    return p;
  });
  return packageView(row);
}

export function packageView(p: repo.PackageRow) {
  return {
    id: p.id,
    caseId: p.case_id,
    recordingIds: p.recording_ids,
    state: p.state,
    bytesTotal: Number(p.bytes_total),
    bytesDone: Number(p.bytes_done),
    fileSize: p.file_size === null ? null : Number(p.file_size),
    sha256: p.sha256,
    checkpointSize: p.checkpoint_size === null ? null : Number(p.checkpoint_size),
    error: p.error,
    createdAt: p.created_at.toISOString(),
    finishedAt: p.finished_at?.toISOString() ?? null,
    downloadUrl: p.state === 'ready' ? `/api/evidence-packages/${p.id}/file` : null,
  };
}

/** A package, for the person who asked for it (anyone else: 404). */
async function ownPackage(deps: Deps, user: AuthUser, id: string) {
  const p = await repo.findPackage(deps.db, id);
  if (!p || p.created_by !== user.id) throw new AppError('NOT_FOUND');
  return p;
}

export async function getPackage(deps: Deps, user: AuthUser, id: string) {
  return packageView(await ownPackage(deps, user, id));
}

export async function listPackages(deps: Deps, user: AuthUser, q: { caseId?: string; limit: number }) {
  return (await repo.packagesOf(deps.db, user.id, q)).map(packageView);
}

/**
 * The package's bytes, for its maker while their copy grant still covers every item (a revoked grant stops the
 * download, 第二十条) and, for a case's package, while they may consult its case file. Each download is audited
 * with its size and the file's SHA-256.
 */
export async function downloadPackage(deps: Deps, user: AuthUser, id: string): Promise<{ size: number; fileName: string; sha256: string; stream: Readable }> {
  const { db, config } = deps;
  const p = await ownPackage(deps, user, id);
  await requireAccess(db, user, 'recording.package', p.recording_ids);
  if (p.case_id) await requireAccess(db, user, 'case.package', [p.case_id]);
  // Destroyed since the package was built (第十一条): its copy is not handed out any more.
  if (p.case_id) await assertCaseFileNotDisposed(db, p.case_id);
  await assertRecordingsNotDisposed(db, p.recording_ids);
  if (p.state !== 'ready') throw new AppError('EVIDENCE_PACKAGE_NOT_READY', { state: p.state });
  const file = packageFile(config.dataDir, p.id);
  const s = await stat(file).catch(() => undefined);
  if (!s) throw new AppError('EVIDENCE_PACKAGE_FILE_MISSING');
  await db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'evidence_package.download',
      target: { type: 'evidence_package', id: p.id },
      details: { caseId: p.case_id, bytes: s.size, sha256: p.sha256 },
    }),
  );
  return { size: s.size, fileName: `${bagName(p.id)}.zip`, sha256: p.sha256!, stream: createReadStream(file) };
}

/** Records that a case's evidence was handed over as this package against one of its deadlines (第十三条). */
export async function deliverPackage(deps: Deps, user: AuthUser, id: string, input: { deadlineId: string; deliveredOn: string; note?: string | null }) {
  const p = await ownPackage(deps, user, id);
  if (!p.case_id) throw new AppError('EVIDENCE_PACKAGE_NOT_CASE');
  if (p.state !== 'ready') throw new AppError('EVIDENCE_PACKAGE_NOT_READY', { state: p.state });
  return markDeadlineDelivered(deps, user, p.case_id, input.deadlineId, { deliveredOn: input.deliveredOn, note: input.note ?? null, packageId: p.id });
}

export const publishedProfile = bagitProfile;

// ---- the build (job) ----

interface Prepared {
  meta: PackageMetadata;
  agency: string;
  custodyPdfs: Buffer[];
  events: Map<string, repo.StoredEvent>;
  note: string;
  signedNote: string;
  proofs: Map<string, Buffer[]>;
  keys: Awaited<ReturnType<typeof keysJson>>;
  caseFile: { name: string; sha256: string; size: number } | null;
  /** RFC 3161 replies (DER) over the checkpoint as the log signed it. */
  timestamps: Buffer[];
}

/** Renders a custody report into bytes and returns the audit seqs it lists. */
async function custodyReport(deps: Deps, who: { id: string; username: string }, recordingId: string, packageId: string) {
  const input = await openCustodyPdf(deps, who, recordingId, { packageId });
  const seqs: string[] = [];
  async function* recording(): AsyncGenerator<CustodyEventView[]> {
    for await (const batch of input.events) {
      for (const e of batch) seqs.push(e.seq);
      yield batch;
    }
  }
  const pdf = await PdfReport.open({ title: CUSTODY_PDF_TITLE, footer: `证据包 ${packageId}` });
  const bytes = buffer(pdf.stream);
  await writeCustodyPdf(pdf, { ...input, events: recording() });
  return { pdf: await bytes, seqs };
}

/** The keys a verifier needs (spec: proof/keys.json); never trusted by itself — verifiers show fingerprints. */
async function keysJson(deps: Deps) {
  const keys = await tlogRepo.listKeys(deps.db);
  const log: { vkey: string; validFrom: string; validTo: null }[] = [];
  const sm2: { publicKeyPem: string; keyName: string }[] = [];
  const prefix = Buffer.concat([Buffer.from([0xff]), Buffer.from('quanlu-sm2-sm3')]);
  for (const k of keys) {
    if (k.algorithm === 'ed25519') log.push({ vkey: k.vkey, validFrom: k.firstUsed.toISOString(), validTo: null });
    else {
      // vkey = <name>+<hex key ID>+<base64(0xff ‖ 'quanlu-sm2-sm3' ‖ SPKI DER)> (note.ts); the base64 may hold '+'.
      const a = k.vkey.indexOf('+');
      const b = k.vkey.indexOf('+', a + 1);
      const spki = Buffer.from(k.vkey.slice(b + 1), 'base64').subarray(prefix.length);
      sm2.push({ publicKeyPem: createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString(), keyName: k.vkey.slice(0, a) });
    }
  }
  return { log, sm2, witnesses: [] as { name: string; vkey: string }[], tsa: [] as { name: string; certificatePem: string }[] };
}

/**
 * Everything but the streamed files: custody reports (their reads audited, naming the package), the events
 * the proofs cover, a signed checkpoint covering them (signed now when the latest does not), the proofs.
 */
async function prepare(deps: Deps, p: repo.PackageRow): Promise<Prepared> {
  const { db } = deps;
  const maker = await repo.userName(db, p.created_by);
  if (!maker) throw new Error('the package’s maker no longer exists');
  const agency = await getSetting(db, 'agency.name');
  const rows = await repo.itemFacts(db, p.recording_ids, p.case_id);
  if (rows.length !== p.recording_ids.length) throw new Error('a recording of the package no longer exists');
  const custodyPdfs: Buffer[] = [];
  const items: PackageItem[] = [];
  const count = rows.length;
  for (const [i, r] of rows.entries()) {
    const ingest = await repo.ingestSeq(db, r.id);
    if (!ingest) throw new Error(`recording ${r.id} has no ingest event (recording.create) in the audit log`);
    const report = await custodyReport(deps, { id: maker.id, username: maker.username }, r.id, p.id);
    custodyPdfs.push(report.pdf);
    const n = i + 1;
    const officer = r.officers[0];
    items.push({
      n,
      path: `data/originals/${itemNumber(n, count)}-${safeName(r.file_name)}`,
      recordingId: r.id,
      fileName: r.file_name,
      size: Number(r.size_bytes),
      sha256: r.sha256,
      sm3: r.sm3,
      mediaType: mediaTypeOf(r.file_name),
      madeBy: madeBy(r),
      recordedStart: r.recorded_start.toISOString(),
      recordedEnd: r.recorded_end?.toISOString() ?? null,
      maker: officer ? { id: officer.id, name: officer.name } : { id: r.uploaded_by, name: r.uploader_name },
      provesWhat: r.link_notes.length ? r.link_notes.join('；') : null,
      deviceNumber: r.device_number,
      ingestEventSeq: ingest,
      custodyEventSeqs: [...new Set([ingest, ...report.seqs])].sort((a, b) => Number(BigInt(a) - BigInt(b))),
    });
  }
  const allSeqs = [...new Set(items.flatMap((it) => it.custodyEventSeqs))];
  const maxSeq = Math.max(...allSeqs.map(Number));
  // A signed checkpoint covering every event the proofs need: the latest, or one signed now.
  let cp = await tlogRepo.latestCheckpoint(db);
  if (!cp || Number(cp.size) < maxSeq) cp = await signCheckpoint(deps, 'manual');
  if (Number(cp.size) < maxSeq) throw new Error(`the transparency log does not cover event ${maxSeq} yet (checkpoint size ${cp.size})`);
  // The largest checkpoint covering them that a witness cosigned (else the latest signed), with its cosignature
  // lines and RFC 3161 tokens (tlog-witness.service).
  const wc = await witnessedCheckpoint(deps, { minSize: maxSeq });
  const size = Number(wc.size);
  const checkpoint = parseCheckpointText(splitNote(wc.note).text);
  const proofs = new Map<string, Buffer[]>();
  for (const seq of allSeqs) {
    const inc = await inclusion(db, Number(seq), size);
    if (inc.rootHash !== checkpoint.root.toString('base64')) throw new Error('the tree root differs from the signed checkpoint');
    proofs.set(seq, inc.proof.map((h) => Buffer.from(h, 'base64')));
  }
  const events = new Map((await repo.eventsBySeq(db, allSeqs)).map((e) => [e.seq, e]));
  const grant = await repo.grantFacts(db, p.grant_id);
  let kase: PackageMetadata['case'] = null;
  let caseFile: Prepared['caseFile'] = null;
  if (p.case_id) {
    const c = await repo.caseFacts(db, p.case_id);
    if (!c) throw new Error('the case no longer exists');
    kase = { id: c.id, caseNumber: c.case_number, archiveNumber: c.archive?.dossier_code ?? null, title: caseName(c.parties, c.cause), procedure: c.procedure };
    const build = await repo.caseFilePdf(db, p.case_id, c.archive?.build_id ?? null);
    if (build) {
      const st = await deps.storage.stat(build.sha256);
      caseFile = { name: `${safeName(c.archive?.dossier_code ?? c.case_number)}.pdf`, sha256: build.sha256, size: st?.size ?? 0 };
    }
  }
  const meta: PackageMetadata = {
    format: FORMAT,
    packageId: p.id,
    createdAt: p.created_at.toISOString(),
    createdBy: { id: maker.id, name: maker.name },
    grant: { accessRequestId: grant?.request_id ?? '', approvedBy: grant?.approver_name ?? '', approvedAt: (grant?.decided_at ?? grant?.created_at)?.toISOString() ?? null },
    case: kase,
    checkpoint: { origin: checkpoint.origin, size, rootHash: checkpoint.root.toString('base64') },
    items,
  };
  const keys = await keysJson(deps);
  keys.witnesses = wc.witnessKeys;
  keys.tsa = wc.tsaCertificatesPem;
  return { meta, agency, custodyPdfs, events, note: wc.note, signedNote: wc.signedNote, proofs, keys, caseFile, timestamps: wc.timestamps.map((t) => Buffer.from(t.der)) };
}

/** Builds a package (the job): every step above, then the ZIP streamed to the data folder. */
export async function buildPackage(deps: Deps, packageId: string, o: { signal?: AbortSignal } = {}): Promise<void> {
  const { db, config, storage } = deps;
  const p = await repo.findPackage(db, packageId);
  if (!p || p.state === 'ready' || p.state === 'failed') return;
  await mkdir(packagesDir(config.dataDir), { recursive: true, mode: 0o700 });
  const out = packageFile(config.dataDir, p.id);
  const partial = `${out}.partial`;
  try {
    const prep = await prepare(deps, p);
    const total = prep.meta.items.reduce((a, it) => a + it.size, 0) + (prep.caseFile?.size ?? 0);
    if (!(await repo.setBuilding(db, p.id, total))) return;
    let done = 0;
    let reported = 0;
    let writing = Promise.resolve();
    const onBytes = (n: number) => {
      done += n;
      if (done - reported >= PROGRESS_EVERY_BYTES) {
        reported = done;
        const at = done;
        writing = writing.then(() => repo.setProgress(db, p.id, at)).catch(() => undefined);
      }
      if (o.signal?.aborted) throw new Error('the build was stopped');
    };
    const bag = bagName(p.id);
    const zip = new BagZip(partial, bag, onBytes, { mtime: p.created_at });
    const payload: BagFile[] = [];
    try {
      // Originals first, each read once: hashed while zipped, and checked against the hashes taken at ingest.
      for (const it of prep.meta.items) {
        const f = await zip.addStream(it.path, await storage.get(it.sha256), { size: it.size });
        if (f.sha256 !== it.sha256 || f.sm3 !== it.sm3) throw new Error(`the stored original of item ${it.n} no longer matches its ingest hashes`);
        payload.push(f);
      }
      if (prep.caseFile) {
        const f = await zip.addStream(`data/case-file/${prep.caseFile.name}`, await storage.get(prep.caseFile.sha256), { size: prep.caseFile.size, compress: false });
        if (f.sha256 !== prep.caseFile.sha256) throw new Error('the stored case file PDF no longer matches its hash');
        payload.push(f);
      }
      payload.push(zip.addBuffer('data/evidence-list.pdf', await evidenceListPdf(prep.meta, prep.agency)));
      for (const [i, it] of prep.meta.items.entries()) payload.push(zip.addBuffer(`data/custody/${itemNumber(it.n, prep.meta.items.length)}-custody.pdf`, prep.custodyPdfs[i]!));
      payload.push(zip.addBuffer('data/metadata/package.json', prettyJson(prep.meta)));
      payload.push(zip.addBuffer('data/metadata/custody.jsonld', prettyJson(custodyGraph(prep.meta, prep.agency, prep.events))));
      payload.push(zip.addBuffer('data/proof/checkpoint.txt', prep.note));
      // What the TSA stamped: the note as the log signed it, before witnesses added their lines.
      payload.push(zip.addBuffer('data/proof/checkpoint-signed.txt', prep.signedNote));
      payload.push(zip.addBuffer('data/proof/keys.json', prettyJson(prep.keys)));
      for (const [i, tsr] of prep.timestamps.entries()) payload.push(zip.addBuffer(`data/proof/timestamps/checkpoint-${i}.tsr`, tsr));
      for (const [seq, proof] of prep.proofs) {
        payload.push(zip.addBuffer(`data/proof/events/${seq}.json`, eventJson(prep.events.get(seq)!)));
        payload.push(zip.addBuffer(`data/proof/events/${seq}.tlog-proof`, tlogProof(Number(seq) - 1, proof, prep.note)));
      }
      // Tag files, last: they describe the payload.
      const c = prep.meta.case;
      const tags: BagFile[] = [];
      tags.push(zip.addBuffer('manifest-sha256.txt', manifest(payload, 'sha256')));
      tags.push(zip.addBuffer('manifest-sm3.txt', manifest(payload, 'sm3')));
      tags.push(zip.addBuffer('bagit.txt', BAGIT_TXT));
      const payloadBytes = payload.reduce((a, f) => a + f.size, 0);
      tags.push(
        zip.addBuffer(
          'bag-info.txt',
          bagInfo([
            ['Source-Organization', prep.agency],
            ['Bagging-Date', shanghaiDate(p.created_at)],
            ['Payload-Oxum', payloadOxum(payload)],
            ['External-Identifier', c ? (c.archiveNumber ?? c.caseNumber) : p.id],
            ['Bag-Size', humanSize(payloadBytes)],
            ['BagIt-Profile-Identifier', PROFILE_ID],
            ['Internal-Sender-Description', c ? `${c.title}的证据包（${prep.meta.items.length} 项声像资料及案卷）` : `声像资料证据包（${prep.meta.items.length} 项）`],
            ['QuanLu-Package-Id', p.id],
            ['QuanLu-Log-Origin', prep.meta.checkpoint.origin],
          ]),
        ),
      );
      tags.push(zip.addBuffer('bagit-profile.json', prettyJson(bagitProfile())));
      tags.push(zip.addBuffer('verify.html', await verifierPage()));
      zip.addBuffer('tagmanifest-sha256.txt', manifest(tags, 'sha256'));
      zip.addBuffer('tagmanifest-sm3.txt', manifest(tags, 'sm3'));
      const result = await zip.finish();
      await writing;
      await rename(partial, out);
      await db.transaction().execute(async (trx) => {
        await repo.setReady(trx, p.id, { fileSize: result.size, sha256: result.sha256, checkpointSize: prep.meta.checkpoint.size, bytesDone: done });
        await appendAuditEvent(trx, {
          actor: { kind: 'system', label: 'evidence-package' },
          action: 'evidence_package.ready',
          target: { type: 'evidence_package', id: p.id },
          details: { sha256: result.sha256, bytes: result.size, items: prep.meta.items.map((it) => it.sha256), checkpointSize: prep.meta.checkpoint.size },
        });
      });
    } catch (e) {
      zip.abort();
      throw e;
    }
  } catch (e) {
    await rm(partial, { force: true });
    const message = e instanceof Error ? e.message : String(e);
    await db.transaction().execute(async (trx) => {
      await repo.setFailed(trx, p.id, message);
      await appendAuditEvent(trx, { actor: { kind: 'system', label: 'evidence-package' }, action: 'evidence_package.failed', target: { type: 'evidence_package', id: p.id }, details: { error: message.slice(0, 500) } });
    });
  }
}
