import { buffer } from 'node:stream/consumers';
import { PDFDocument } from 'pdf-lib';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { formatShanghai, shanghaiDate } from '../../platform/time.ts';
import { requireAccess } from '../access/access.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import { assertNotArchived } from './case-documents.service.ts';
import { buildCaseFilePdf, renderElectronicDataList, type CatalogueEntry, type CoverFields } from './case-file-pdf.ts';
import { reviewCaseFile } from './case-file-review.ts';
import { lockCaseFileBytes, recomputeRetention } from '../retention/retention.service.ts';
import { currentTemplate } from './case-file-template.service.ts';
import { bindingRank, retentionLabel, type CaseFileTemplate, type RetentionCode } from './case-file.template.ts';
import { assertCaseFileNotDisposed } from '../retention/case-disposal.service.ts';
import * as repo from './case-files.repository.ts';
import { settleObject, stageObject } from './case-file-objects.service.ts';

/** One row of the bound catalogue, as stored with the build and shown in the API. */
export interface CatalogueRow {
  seq: number;
  responsible: string;
  number: string;
  title: string;
  date: string;
  startPage: number;
  pages: number;
  kind: 'document' | 'electronic_data_list' | 'recording';
  documentId?: string;
  recordingId?: string;
  sha256?: string;
  sm3?: string;
}

interface Archiving {
  archiveNumber: string;
  dossierCode: string;
  fileNumber: string;
  checkedBy: string;
}

/** 案件名称 = party + violation + 案. */
export function caseName(parties: string[], cause: string): string {
  const c = cause.trim();
  return `${parties.join('、')}${c}${c.endsWith('案') ? '' : '案'}`;
}

/**
 * Assembles and renders the bound volume: documents in the template's binding order (by section and type, then
 * by date), the linked recordings as 电子数据 (a generated list page with hashes and storage references, one
 * catalogue row per recording pointing to it), the cover and the 备考表.
 */
async function renderVolume(deps: Deps, db: DbOrTx, user: AuthUser, caseId: string, template: CaseFileTemplate, archiving?: Archiving) {
  const c = await repo.caseFacts(db, caseId);
  if (!c) throw new AppError('NOT_FOUND');
  const docs = await repo.currentDocumentsOf(db, caseId); // superseded ones are not bound (0015)
  const recordings = await repo.linkedRecordings(db, caseId);
  const rank = bindingRank(template);
  const agency = await getSetting(db, 'agency.name');

  type Item = { rank: number; date: string; entry: CatalogueEntry; row: Omit<CatalogueRow, 'seq' | 'startPage'>; children?: { entry: CatalogueEntry; row: Omit<CatalogueRow, 'seq' | 'startPage'> }[] };
  const items: Item[] = docs.map((d) => ({
    rank: rank.get(d.doc_type) ?? Number.MAX_SAFE_INTEGER,
    date: d.doc_date,
    entry: {
      responsible: d.responsible,
      number: d.doc_number,
      title: d.title,
      date: d.doc_date,
      pages: d.page_count,
      mimeType: d.mime_type,
      load: async () => new Uint8Array(await buffer(await deps.storage.get(d.sha256))),
    },
    row: { responsible: d.responsible, number: d.doc_number, title: d.title, date: d.doc_date, pages: d.page_count, kind: 'document', documentId: d.id, sha256: d.sha256, sm3: d.sm3 },
  }));
  if (recordings.length) {
    const list = await renderElectronicDataList(
      recordings.map((r) => ({
        title: r.file_name,
        recordedAt: r.recorded_start ? formatShanghai(r.recorded_start) : '—',
        sha256: r.sha256,
        sm3: r.sm3,
        sizeBytes: Number(r.size_bytes),
        storage: `${r.storage}:${r.sha256}`,
        officers: r.officers ?? '—',
      })),
    );
    const pages = (await PDFDocument.load(list)).getPageCount();
    // The list is dated by the latest recording it lists (not by the build day, which may be after closing).
    const dated = recordings.filter((r) => r.recorded_start).map((r) => shanghaiDate(r.recorded_start!));
    const today = dated.sort().at(-1) ?? c.filed_on;
    items.push({
      rank: rank.get(template.electronicDataType) ?? Number.MAX_SAFE_INTEGER,
      date: '9999-12-31',
      entry: { responsible: c.department_name, number: '', title: '电子数据（声像资料）清单', date: today, pages, generated: list },
      row: { responsible: c.department_name, number: '', title: '电子数据（声像资料）清单', date: today, pages, kind: 'electronic_data_list' },
      children: recordings.map((r) => {
        const date = r.recorded_start ? shanghaiDate(r.recorded_start) : '';
        const title = `声像资料 ${r.file_name}（SHA-256 ${r.sha256.slice(0, 16)}…，SM3 ${r.sm3.slice(0, 16)}…，存储 ${r.storage}）`;
        const responsible = r.officers ?? c.department_name;
        return {
          entry: { responsible, number: '', title, date, pages: 0 },
          row: { responsible, number: '', title, date, pages: 0, kind: 'recording' as const, recordingId: r.recording_id, sha256: r.sha256, sm3: r.sm3 },
        };
      }),
    });
  }
  items.sort((a, b) => a.rank - b.rank || a.date.localeCompare(b.date));

  const entries: CatalogueEntry[] = [];
  const rows: Omit<CatalogueRow, 'seq' | 'startPage'>[] = [];
  for (const it of items) {
    const at = entries.length;
    entries.push(it.entry);
    rows.push(it.row);
    for (const ch of it.children ?? []) {
      entries.push({ ...ch.entry, pointsTo: at });
      rows.push(ch.row);
    }
  }
  const parties = await repo.partyNames(db, caseId);
  const decision = docs.filter((d) => d.doc_type === 'penalty_decision').at(-1);
  const retention = template.retention[c.procedure as 'simple' | 'general'];
  const cover: CoverFields = {
    caseName: caseName(parties, c.cause),
    decisionNumber: decision?.doc_number ?? '',
    agency: `${agency} ${c.department_name}`.trim(),
    filedOn: c.filed_on,
    closedOn: c.closed_on ?? '',
    retention: retentionLabel[retention].zh,
    fondsNumber: await getSetting(db, 'agency.fondsNumber'),
    catalogueNumber: template.catalogueNumber,
    fileNumber: archiving?.fileNumber ?? '',
    archiveNumber: archiving?.archiveNumber ?? '',
    dossierCode: archiving?.dossierCode ?? '',
  };
  const avNote = recordings.length ? `本案关联声像资料 ${recordings.length} 件，以电子形式保存于系统存储，校验值（SHA-256、SM3）见电子数据清单。` : '';
  const built = await buildCaseFilePdf(cover, entries, {
    notes: avNote,
    compiledBy: await repo.personNameOfUser(db, user.id),
    checkedBy: archiving?.checkedBy ?? '',
    date: shanghaiDate(),
  });
  const catalogue: CatalogueRow[] = rows.map((r, i) => ({ ...r, seq: i + 1, startPage: built.startPages[i]! }));
  return { built, catalogue, cover };
}

function buildView(b: Awaited<ReturnType<typeof repo.buildsOf>>[number]) {
  return {
    id: b.id,
    sha256: b.sha256,
    sm3: b.sm3,
    sizeBytes: Number(b.size_bytes),
    templateVersion: b.template_version,
    totalPages: b.total_pages,
    numberedPages: b.numbered_pages,
    catalogue: b.catalogue as CatalogueRow[],
    final: b.final,
    builtAt: b.built_at.toISOString(),
    builtBy: b.built_by_name,
  };
}

/**
 * Stores a rendered volume as a derived file and records the build (in the caller's transaction); the object's
 * intent is settled with the rows, so a rolled-back transaction leaves it to the orphan sweep.
 */
async function storeBuild(deps: Deps, trx: DbOrTx, user: AuthUser, caseId: string, version: number, r: Awaited<ReturnType<typeof renderVolume>>, final: boolean) {
  const staged = await stageObject(deps, r.built.bytes, 'case_file_build', user.id);
  const { put } = staged;
  await settleObject(trx, staged);
  await repo.insertDerived(trx, { sha256: put.sha256, sm3: put.sm3, size: put.size });
  return repo.insertBuild(trx, {
    caseId,
    sha256: put.sha256,
    templateVersion: version,
    totalPages: r.built.totalPages,
    numberedPages: r.built.numberedPages,
    catalogue: r.catalogue,
    final,
    by: user.id,
  });
}

/** 生成案卷: builds the case file PDF from what the case holds now (a working copy; archiving makes the final one). */
export async function buildCaseFile(deps: Deps, user: AuthUser, caseId: string) {
  const { db } = deps;
  await requireAccess(db, user, 'case.file.write', [caseId]);
  await assertNotArchived(db, caseId);
  const { version, template } = await currentTemplate(db);
  const rendered = await renderVolume(deps, db, user, caseId, template);
  const id = await db.transaction().execute(async (trx) => {
    const b = await storeBuild(deps, trx, user, caseId, version, rendered, false);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case_file.build',
      target: { type: 'case', id: caseId },
      details: { buildId: b.id, sha256: b.sha256, totalPages: b.total_pages, numberedPages: b.numbered_pages, templateVersion: version },
    });
    return b.id;
  });
  await lockCaseFileBytes(deps, caseId);
  return buildView((await repo.buildsOf(db, caseId)).find((b) => b.id === id)!);
}

/** The case file's state: review findings, builds, archive record. Reading it needs the case; content needs more. */
export async function caseFileState({ db }: Deps, user: AuthUser, caseId: string) {
  await requireAccess(db, user, 'case.read', [caseId]);
  const { version, template } = await currentTemplate(db);
  const archive = await repo.findArchive(db, caseId);
  const problems = archive ? [] : await reviewCaseFile(db, caseId, template);
  return {
    caseId,
    templateVersion: version,
    review: { ok: problems.length === 0, problems },
    builds: (await repo.buildsOf(db, caseId)).map(buildView),
    archive: archive
      ? {
          archiveNumber: archive.archive_number,
          dossierCode: archive.dossier_code,
          year: archive.archive_year,
          serial: archive.archive_serial,
          retentionCode: archive.retention_code,
          retention: retentionLabel[archive.retention_code],
          retainUntil: archive.retain_until,
          buildId: archive.build_id,
          archivedAt: archive.archived_at.toISOString(),
          archivedBy: archive.archived_by_name,
        }
      : null,
  };
}

/** A built PDF (第十四条: consulting the case file — audited per read). */
export async function readBuildPdf(deps: Deps, user: AuthUser, caseId: string, buildId: string) {
  const { db, storage } = deps;
  await requireAccess(db, user, 'case.file.read', [caseId]);
  const b = await repo.findBuild(db, caseId, buildId);
  if (!b) throw new AppError('NOT_FOUND');
  await assertCaseFileNotDisposed(db, caseId);
  await db.transaction().execute(async (trx) => {
    await appendAuditEvent(trx, { actor: actorOf(user), action: 'case_file.view', target: { type: 'case', id: caseId }, details: { buildId, sha256: b.sha256 } });
  });
  const stat = await storage.stat(b.sha256);
  return { stream: await storage.get(b.sha256), size: stat?.size ?? 0, sha256: b.sha256 };
}

/** 档号 (DA/T 22-2015): 全宗号-门类代码·年度-保管期限代码-机构（问题）代码-件号; the organisation part is left out when none is set. */
export function dossierCode(o: { fonds: string; category: string; year: number; retention: RetentionCode; organisation: string; serial: number }): string {
  return [o.fonds, `${o.category}·${o.year}`, o.retention, ...(o.organisation ? [o.organisation] : []), String(o.serial).padStart(4, '0')].join('-');
}

/** Kept until: 1 January of the year after closing plus the period (档案保管期限自次年起算); permanent → null. */
export function retainUntil(code: RetentionCode, closedOn: string): string | null {
  if (code === 'Y') return null;
  const years = code === 'D30' ? 30 : 10;
  return `${Number(closedOn.slice(0, 4)) + 1 + years}-01-01`;
}

/**
 * 归档: refuses while the review finds anything (no override: each finding is fixed at its source — a missing
 * document uploaded, a gap given its written reason, an unsigned receipt replaced by the signed one — so the
 * archived file never carries a known defect). Then, in one transaction: the next 归档号 of the year handled
 * (立案 year; gap-free, the counter row locked until commit), the 档号, the retention period fixed by the
 * procedure (template: general 永久, simple 30 年), the final PDF with those numbers on its cover, the archive
 * row and its audit event. From then on the database refuses every change to the case's rows.
 */
export async function archiveCaseFile(deps: Deps, user: AuthUser, caseId: string) {
  const { db } = deps;
  await requireAccess(db, user, 'case.file.archive', [caseId]);
  await db.transaction().execute(async (trx) => {
    if (!(await repo.lockCaseRow(trx, caseId))) throw new AppError('NOT_FOUND');
    await assertNotArchived(trx, caseId);
    const { version, template } = await currentTemplate(trx);
    const problems = await reviewCaseFile(trx, caseId, template);
    if (problems.length) {
      throw new AppError('CASE_FILE_INCOMPLETE', { problems: { zh: problems.map((p) => p.zh).join('；'), en: problems.map((p) => p.en).join('; ') } });
    }
    const c = (await repo.caseFacts(trx, caseId))!;
    const year = Number(c.filed_on.slice(0, 4));
    const serial = await repo.nextArchiveSerial(trx, year);
    const retention = template.retention[c.procedure as 'simple' | 'general'];
    const archiveNumber = `${year}${String(serial).padStart(4, '0')}`;
    const code = dossierCode({ fonds: await getSetting(trx, 'agency.fondsNumber'), category: template.categoryCode, year, retention, organisation: template.organisationCode, serial });
    const rendered = await renderVolume(deps, trx, user, caseId, template, {
      archiveNumber,
      dossierCode: code,
      fileNumber: String(serial),
      checkedBy: await repo.personNameOfUser(trx, user.id),
    });
    const build = await storeBuild(deps, trx, user, caseId, version, rendered, true);
    await repo.insertArchive(trx, {
      caseId,
      year,
      serial,
      archiveNumber,
      dossierCode: code,
      retentionCode: retention,
      retainUntil: retainUntil(retention, c.closed_on!),
      buildId: build.id,
      by: user.id,
    });
    // 第十一条: the case file's period now runs; its recordings inherit it.
    await recomputeRetention(trx, { caseIds: [caseId] });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case_file.archive',
      target: { type: 'case', id: caseId },
      details: { archiveNumber, dossierCode: code, retention, buildId: build.id, sha256: build.sha256, totalPages: build.total_pages },
    });
  });
  // The store takes the archived file's date (or its 永久 hold) at once; the retention job would otherwise.
  await lockCaseFileBytes(deps, caseId);
  return caseFileState(deps, user, caseId);
}
