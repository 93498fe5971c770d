import type { DbOrTx } from '../../platform/db/database.ts';
import { getSetting } from '../settings/settings.service.ts';
import { STAGE_NAMES } from '../cases/case-stages.ts';
import { caseGaps } from '../cases/cases.service.ts';
import type { CaseStage } from '../../platform/db/schema.ts';
import type { CaseFileTemplate } from './case-file.template.ts';
import * as repo from './case-files.repository.ts';

/** One finding of the completeness check (案卷评查). Every finding blocks archiving (see archiveCaseFile). */
export interface ReviewProblem {
  code:
    | 'case_not_closed'
    | 'missing_document'
    | 'too_few_officers'
    | 'stage_without_av'
    | 'receipt_unsigned'
    | 'dates_out_of_order'
    | 'fixity_failed'
    | 'fonds_number_missing';
  zh: string;
  en: string;
  /** What it is about: a document type, stage, document or recording id. */
  ref?: string;
}

/** The stage order used to compare stage dates. */
const STAGE_ORDER = ['filing', 'investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution', 'closed'];

/**
 * 案卷评查: what keeps the case file from being archived — required documents for the procedure missing,
 * fewer than two officers in a general-procedure case (第七条), AV-required stages with neither a recording nor
 * a written reason (第十六条; the cases module's gap rule), unsigned service receipts, dates out of order, linked
 * recordings or documents whose stored bytes failed fixity, the case not closed, no 全宗号 for the 档号.
 */
export async function reviewCaseFile(db: DbOrTx, caseId: string, template: CaseFileTemplate): Promise<ReviewProblem[]> {
  const c = await repo.caseFacts(db, caseId);
  if (!c) return [];
  const problems: ReviewProblem[] = [];
  const docs = await repo.currentDocumentsOf(db, caseId); // superseded ones are not reviewed (0015)
  const types = new Map(template.documentTypes.map((t) => [t.code, t]));

  if (c.status !== 'closed') problems.push({ code: 'case_not_closed', zh: '案件尚未结案', en: 'The case is not closed' });

  for (const t of template.documentTypes) {
    if (t.requiredFor.includes(c.procedure as 'simple' | 'general') && !docs.some((d) => d.doc_type === t.code)) {
      problems.push({ code: 'missing_document', ref: t.code, zh: `缺少${t.zh}`, en: `Missing: ${t.en}` });
    }
  }

  const officers = await repo.officerFacts(db, caseId);
  if (c.procedure === 'general' && officers.length < 2) {
    problems.push({ code: 'too_few_officers', zh: `一般程序案件须有两名以上执法人员（现有 ${officers.length} 名）`, en: `A general-procedure case needs at least two officers (has ${officers.length})` });
  }

  // 第十六条: the cases module's gap rule (AV-required stages entered with neither a link nor a written reason).
  for (const g of await caseGaps(db, caseId)) {
    problems.push({
      code: 'stage_without_av',
      ref: g.stage,
      zh: `“${STAGE_NAMES[g.stage].zh}”环节须音像记录，既无关联声像资料也无书面说明（${g.items.join('、')}）`,
      en: `Stage ${STAGE_NAMES[g.stage].en} needs AV: no linked recording and no written reason (${g.items.join(', ')})`,
    });
  }

  for (const d of docs) {
    if (types.get(d.doc_type)?.serviceReceipt && d.receipt_signed !== true) {
      problems.push({ code: 'receipt_unsigned', ref: d.id, zh: `送达回证“${d.title}”未经受送达人签收`, en: `Service receipt "${d.title}" is not signed by the recipient` });
    }
  }

  problems.push(...dateProblems(c, docs, await repo.stageDates(db, caseId)));

  for (const r of await repo.linkedRecordings(db, caseId)) {
    if (r.failing_since) {
      problems.push({ code: 'fixity_failed', ref: r.recording_id, zh: `声像资料“${r.file_name}”完整性校验失败（${r.fixity_result}）`, en: `Recording "${r.file_name}" failed its fixity check (${r.fixity_result})` });
    }
  }
  for (const d of await repo.failingDocumentObjects(db, caseId)) {
    problems.push({ code: 'fixity_failed', ref: d.id, zh: `文书“${d.title}”完整性校验失败（${d.last_result}）`, en: `Document "${d.title}" failed its fixity check (${d.last_result})` });
  }

  if (!(await getSetting(db, 'agency.fondsNumber'))) {
    problems.push({ code: 'fonds_number_missing', zh: '未设置全宗号（系统设置），无法编制档号', en: 'No fonds number is set (settings), so no archive reference can be made' });
  }
  return problems;
}

/** Dates out of order: documents outside filing…closing, the decision before the notice, a receipt before its decision, stages going back in time. */
function dateProblems(
  c: { filed_on: string; closed_on: string | null },
  docs: repo.DocumentRow[],
  stages: { to_stage: string; occurred_on: string }[],
): ReviewProblem[] {
  const out: ReviewProblem[] = [];
  const bad = (zh: string, en: string, ref?: string) => out.push({ code: 'dates_out_of_order', zh, en, ...(ref && { ref }) });
  // Evidence may predate filing (a site inspection leads to the filing); the case's own legal documents may not.
  const legal = new Set(['filing_approval', 'penalty_decision', 'decision_receipt', 'penalty_notice', 'hearing_notice', 'other_receipt']);
  for (const d of docs) {
    if (legal.has(d.doc_type) && d.doc_date < c.filed_on) bad(`“${d.title}”日期 ${d.doc_date} 早于立案日期 ${c.filed_on}`, `"${d.title}" is dated ${d.doc_date}, before filing on ${c.filed_on}`, d.id);
    if (c.closed_on && d.doc_date > c.closed_on) bad(`“${d.title}”日期 ${d.doc_date} 晚于结案日期 ${c.closed_on}`, `"${d.title}" is dated ${d.doc_date}, after closing on ${c.closed_on}`, d.id);
  }
  const first = (type: string) => docs.filter((d) => d.doc_type === type).map((d) => d.doc_date).sort()[0];
  const decision = first('penalty_decision');
  const notice = first('penalty_notice');
  if (decision && notice && notice > decision) bad(`告知书日期 ${notice} 晚于处罚决定书日期 ${decision}`, `The penalty notice (${notice}) is dated after the decision (${decision})`);
  for (const r of docs.filter((d) => d.doc_type === 'decision_receipt')) {
    if (decision && r.doc_date < decision) bad(`送达回证日期 ${r.doc_date} 早于处罚决定书日期 ${decision}`, `The service receipt (${r.doc_date}) is dated before the decision (${decision})`, r.id);
  }
  // Stage dates follow the stage order (a stage moved back and forward again counts from its latest entry).
  const latest = new Map<string, string>();
  for (const s of stages) latest.set(s.to_stage, s.occurred_on);
  let prev: [string, string] | undefined;
  for (const stage of STAGE_ORDER) {
    const on = latest.get(stage);
    if (!on) continue;
    const zh = (x: string) => STAGE_NAMES[x as CaseStage].zh;
    const en = (x: string) => STAGE_NAMES[x as CaseStage].en;
    if (prev && on < prev[1]) bad(`“${zh(stage)}”日期 ${on} 早于前一环节“${zh(prev[0])}”日期 ${prev[1]}`, `Stage ${en(stage)} (${on}) is dated before ${en(prev[0])} (${prev[1]})`, stage);
    prev = [stage, on];
  }
  return out;
}
