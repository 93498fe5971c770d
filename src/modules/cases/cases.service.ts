import { randomUUID } from 'node:crypto';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { CaseStage } from '../../platform/db/schema.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { cursorShape, decodeCursor, encodeCursor } from '../../platform/http/schemas.ts';
import { accessFilter, allowedIds, isAllowed, requireAccess, type Principal } from '../access/access.service.ts';
import { findDepartment } from '../departments/departments.repository.ts';
import { qualificationOn } from '../personnel/qualification.ts';
import { beijingToday } from './case-clock.ts';
import { STAGE_NAMES, transition, type Procedure } from './case-stages.ts';
import { checklistView, deadlinesView } from './case-records.service.ts';
import { onCaseStageChanged } from '../retention/retention.service.ts';
import * as repo from './cases.repository.ts';
import { maskIdNumber, partyIdKey } from './party-id-crypto.ts';

/**
 * 案件 — cases (第二、五、九条: the text records of a case are its file; 第七条: handled by qualified officers).
 * The casefile module (documents, bound file, archiving) reads cases through `loadCase`.
 */

const PROCEDURE_NAMES = { simple: { zh: '简易程序', en: 'simple procedure' }, general: { zh: '一般程序', en: 'general procedure' } } as const;

/**
 * 第七条 and 行政处罚法 art. 42: a general-procedure case is handled by at least two officers holding a valid
 * enforcement certificate; a simple-procedure case (当场处罚) needs at least one. Every named officer must be
 * qualified on the filing date (an unqualified one is refused by name).
 */
export const MIN_OFFICERS: Record<Procedure, number> = { general: 2, simple: 1 };

export interface OfficerInput {
  personId: string;
  lead?: boolean;
}

async function checkOfficers(db: DbOrTx, user: Principal, procedure: Procedure, officers: OfficerInput[], on: string) {
  const ids = [...new Set(officers.map((o) => o.personId))];
  const readable = await allowedIds(db, user, 'person.read', ids);
  const facts = new Map((await repo.peopleFacts(db, ids)).map((p) => [p.id, p]));
  for (const id of ids) {
    const p = facts.get(id);
    if (!p || !readable.has(id)) throw new AppError('PERSON_NOT_FOUND', {}, { officers: { zh: '所选人员不存在', en: 'no such person' } });
    const q = qualificationOn(
      { enrolled: p.enrolled, certificateNumber: p.certificate_number, certificateExamPassedOn: p.certificate_exam_passed_on, certificateValidUntil: p.certificate_valid_until },
      on,
    );
    if (!q.qualified) {
      throw new AppError(
        'OFFICER_NOT_QUALIFIED',
        { name: p.name, on, reasons: { zh: q.reasons.map((r) => r.zh).join('；'), en: q.reasons.map((r) => r.en).join('; ') } },
        { officers: { zh: `${p.name}：${q.reasons.map((r) => r.zh).join('；')}`, en: `${p.name}: ${q.reasons.map((r) => r.en).join('; ')}` } },
      );
    }
  }
  const min = MIN_OFFICERS[procedure];
  if (ids.length < min) {
    throw new AppError('CASE_OFFICERS_TOO_FEW', { procedure: PROCEDURE_NAMES[procedure], min, count: ids.length }, { officers: { zh: `至少 ${min} 名`, en: `at least ${min}` } });
  }
  const leads = new Set(officers.filter((o) => o.lead).map((o) => o.personId));
  // One lead officer (主办人): the one marked, else the first named.
  const lead = leads.size ? [...leads][0] : ids[0];
  return ids.map((personId) => ({ personId, lead: personId === lead }));
}

export interface PartyInput {
  kind: 'person' | 'organisation';
  name: string;
  idType: 'resident_id' | 'credit_code' | 'passport' | 'other';
  idNumber: string;
  representative?: string | null;
  address?: string | null;
}

async function addPartyRow(deps: Deps, trx: DbOrTx, caseId: string, p: PartyInput) {
  const key = await partyIdKey(deps.config.dataDir);
  const id = randomUUID();
  const idNumber = p.idNumber.toUpperCase();
  const masked = maskIdNumber(idNumber);
  await repo.insertParty(trx, {
    id,
    caseId,
    kind: p.kind,
    name: p.name,
    idType: p.idType,
    ciphertext: key.encrypt(idNumber, id),
    keyId: key.keyId,
    masked,
    representative: p.representative ?? null,
    address: p.address ?? null,
  });
  return { id, masked };
}

export interface CreateCaseInput {
  caseNumber: string;
  cause: string;
  actKind: string;
  procedure: Procedure;
  coerciveMeasures: boolean;
  departmentId: string;
  filedOn?: string;
  officers: OfficerInput[];
  parties: PartyInput[];
}

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505';

/** 立案: files a case at the first stage with its officers and parties; audited (the ID numbers never appear in the audit). */
export async function createCase(deps: Deps, user: AuthUser, input: CreateCaseInput) {
  const { db } = deps;
  if (!(await findDepartment(db, input.departmentId))) throw new AppError('DEPARTMENT_NOT_FOUND', {}, { departmentId: 'not found / 部门不存在' });
  if (!(await isAllowed(db, user, 'case.create', input.departmentId))) {
    throw new AppError('DEPARTMENT_OUT_OF_SCOPE', {}, { departmentId: 'outside your departments / 不在您的部门范围内' });
  }
  const today = beijingToday();
  const filedOn = input.filedOn ?? today;
  if (filedOn > today) throw new AppError('VALIDATION_FAILED', {}, { filedOn: { zh: '立案日期不能晚于今天', en: 'the filing date may not be in the future' } });
  const version = await repo.currentChecklistVersion(db);
  if (!(await repo.actKindsOf(db, version.id)).some((k) => k.act_kind === input.actKind)) throw new AppError('CASE_ACT_KIND_UNKNOWN', { actKind: input.actKind });
  const officers = await checkOfficers(db, user, input.procedure, input.officers, filedOn);
  if (await repo.caseNumberTaken(db, input.caseNumber)) throw new AppError('CASE_NUMBER_TAKEN', { caseNumber: input.caseNumber });
  try {
    const id = await db.transaction().execute(async (trx) => {
      const id = await repo.insertCase(trx, {
        caseNumber: input.caseNumber,
        cause: input.cause,
        actKind: input.actKind,
        procedure: input.procedure,
        coerciveMeasures: input.coerciveMeasures,
        departmentId: input.departmentId,
        filedOn,
        checklistVersionId: version.id,
        createdBy: user.id,
      });
      await repo.replaceOfficers(trx, id, officers);
      const parties = [];
      for (const p of input.parties) parties.push({ ...(await addPartyRow(deps, trx, id, p)), name: p.name, kind: p.kind });
      await repo.insertStageEvent(trx, { caseId: id, from: null, to: 'filing', kind: 'file', skipped: [], reason: null, occurredOn: filedOn, by: user.id });
      await appendAuditEvent(trx, {
        actor: actorOf(user),
        action: 'case.create',
        target: { type: 'case', id },
        details: {
          caseNumber: input.caseNumber,
          cause: input.cause,
          actKind: input.actKind,
          procedure: input.procedure,
          coerciveMeasures: input.coerciveMeasures,
          departmentId: input.departmentId,
          filedOn,
          checklistVersion: version.version,
          officers: officers.map((o) => o.personId),
          parties: parties.map((p) => ({ id: p.id, kind: p.kind, name: p.name, idMasked: p.masked })),
        },
      });
      return id;
    });
    return getCase(deps, user, id);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('CASE_NUMBER_TAKEN', { caseNumber: input.caseNumber });
    throw e;
  }
}

/**
 * A case with everything the case page and the case file need, without any access check (the casefile
 * module and jobs call it after their own decision). Parties carry only the masked ID numbers.
 */
export async function loadCase(db: DbOrTx, id: string) {
  const c = await repo.findCase(db, id);
  if (!c) return undefined;
  const [parties, officers, stages, links] = await Promise.all([
    repo.partiesOf(db, id),
    repo.officersOf(db, [id]),
    repo.stageEventsOf(db, id),
    // Every link, live and ended, whoever may see the recordings (callers decide what to show).
    repo.linksOfCase(db, id, repo.EVERYTHING),
  ]);
  return { case: c, parties, officers, stages, links };
}

/**
 * The gaps of one case (第十六条): the stages that need AV by its checklist version, that it entered, with
 * neither a live link nor a written reason — with the checklist items they miss. No access check (the
 * casefile completeness check and jobs call it after their own decision).
 */
export async function caseGaps(db: DbOrTx, caseId: string): Promise<{ stage: CaseStage; items: string[] }[]> {
  return (await repo.gaps(db, repo.EVERYTHING, { caseId, limit: 100 })).map((g) => ({ stage: g.stage, items: g.items }));
}

export type LoadedCase = NonNullable<Awaited<ReturnType<typeof loadCase>>>;

/** One case as the case page shows it; unknown and out-of-reach ids alike are NOT_FOUND. */
export async function getCase(deps: Deps, user: AuthUser, id: string) {
  const { db } = deps;
  await requireAccess(db, user, 'case.read', [id]);
  const loaded = await loadCase(db, id);
  if (!loaded) throw new AppError('NOT_FOUND');
  const { case: c, parties, officers, stages } = loaded;
  const [canEdit, canReveal, records, deadlines] = await Promise.all([
    isAllowed(db, user, 'case.edit', id),
    isAllowed(db, user, 'case.party.reveal', id),
    checklistView(db, user, c),
    deadlinesView(db, id),
  ]);
  return {
    id: c.id,
    caseNumber: c.case_number,
    cause: c.cause,
    actKind: c.act_kind,
    procedure: c.procedure,
    coerciveMeasures: c.coercive_measures,
    departmentId: c.department_id,
    departmentName: c.department_name,
    status: c.status,
    filedOn: c.filed_on,
    closedOn: c.closed_on,
    checklistVersion: c.checklist_version,
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
    parties: parties.map((p) => ({ id: p.id, kind: p.kind, name: p.name, idType: p.id_type, idMasked: p.id_masked, representative: p.representative, address: p.address })),
    officers: officers.map((o) => {
      const q = qualificationOn(
        { enrolled: o.enrolled, certificateNumber: o.certificate_number, certificateExamPassedOn: o.certificate_exam_passed_on, certificateValidUntil: o.certificate_valid_until },
        beijingToday(),
      );
      return { personId: o.person_id, name: o.name, staffNumber: o.staff_number, lead: o.lead, certificateNumber: o.certificate_number, qualifiedToday: q.qualified };
    }),
    stages: stages.map((e) => ({
      id: e.id,
      fromStage: e.from_stage,
      toStage: e.to_stage,
      kind: e.kind,
      skipped: e.skipped,
      reason: e.reason,
      occurredOn: e.occurred_on,
      at: e.at.toISOString(),
      by: e.display_name || e.username,
    })),
    ...records,
    deadlines,
    canEdit,
    canReveal,
  };
}

export interface CaseListQuery {
  status?: CaseStage;
  procedure?: Procedure;
  departmentId?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

/** 案件列表: only the cases the caller may read, newest first, with cursor paging. */
export async function listCases({ db }: Deps, user: AuthUser, q: CaseListQuery) {
  const after = decodeCursor(q.cursor, cursorShape.instantAndId);
  const rows = await repo.listCases(db, await accessFilter(db, user, 'case.read', 'c'), { ...q, after: after && [after[0], after[1]] });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      caseNumber: r.case_number,
      cause: r.cause,
      actKind: r.act_kind,
      procedure: r.procedure,
      status: r.status,
      filedOn: r.filed_on,
      closedOn: r.closed_on,
      departmentId: r.department_id,
      departmentName: r.department_name,
      parties: r.party_names ?? '',
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
  };
}

export interface UpdateCaseInput {
  cause?: string;
  coerciveMeasures?: boolean;
  officers?: OfficerInput[];
}

/** Changes the cause, the coercive-measures flag or the officers (checked again, on the filing date); audited with before and after. */
export async function updateCase(deps: Deps, user: AuthUser, id: string, input: UpdateCaseInput) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [id]);
  await db.transaction().execute(async (trx) => {
    const c = await repo.lockCase(trx, id);
    if (!c) throw new AppError('NOT_FOUND');
    const before = { cause: c.cause, coerciveMeasures: c.coercive_measures, officers: (await repo.officersOf(trx, [id])).map((o) => o.person_id) };
    const officers = input.officers && (await checkOfficers(trx, user, c.procedure, input.officers, c.filed_on));
    await repo.updateCase(trx, id, { ...(input.cause !== undefined && { cause: input.cause }), ...(input.coerciveMeasures !== undefined && { coercive_measures: input.coerciveMeasures }) });
    if (officers) await repo.replaceOfficers(trx, id, officers);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.update',
      target: { type: 'case', id },
      details: { caseNumber: c.case_number, before, after: { cause: input.cause ?? c.cause, coerciveMeasures: input.coerciveMeasures ?? c.coercive_measures, officers: officers?.map((o) => o.personId) ?? before.officers } },
    });
  });
  return getCase(deps, user, id);
}

/**
 * Moves a case to another stage by the rule of case-stages.ts (skips and moves back need a reason; the hearing
 * may be passed over without one). Dated in Beijing (today unless given; not before the previous stage's date,
 * not in the future). Closing sets the closing date; leaving 结案 clears it. Audited with the reason.
 */
export async function moveStage(deps: Deps, user: AuthUser, id: string, input: { to: CaseStage; reason?: string; on?: string }) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [id]);
  await db.transaction().execute(async (trx) => {
    const c = await repo.lockCase(trx, id);
    if (!c) throw new AppError('NOT_FOUND');
    const t = transition(c.procedure, c.status, input.to);
    if (!t.ok) {
      if (t.problem === 'same') throw new AppError('CASE_STAGE_SAME', { stage: STAGE_NAMES[input.to] });
      throw new AppError('CASE_STAGE_NOT_APPLICABLE', { procedure: PROCEDURE_NAMES[c.procedure], stage: STAGE_NAMES[input.to] });
    }
    const reason = input.reason?.trim() || null;
    if (t.reasonRequired && !reason) {
      const what =
        t.kind === 'back'
          ? { zh: '是退回', en: 'goes back' }
          : { zh: `跳过了「${t.skipped.map((s) => STAGE_NAMES[s].zh).join('、')}」`, en: `skips ${t.skipped.map((s) => STAGE_NAMES[s].en).join(', ')}` };
      throw new AppError('CASE_STAGE_REASON_REQUIRED', { from: STAGE_NAMES[c.status], to: STAGE_NAMES[input.to], what }, { reason: { zh: '请填写理由', en: 'a reason is required' } });
    }
    const today = beijingToday();
    const on = input.on ?? today;
    const earliest = (await repo.lastStageDate(trx, id)) ?? c.filed_on;
    if (on < earliest || on > today) throw new AppError('CASE_STAGE_DATE', { on, earliest }, { on: { zh: '日期不在允许范围内', en: 'date out of range' } });
    await repo.insertStageEvent(trx, { caseId: id, from: c.status, to: input.to, kind: t.kind, skipped: t.skipped, reason, occurredOn: on, by: user.id });
    await repo.setStatus(trx, id, input.to, input.to === 'closed' ? on : null);
    // 第十一条: a reopened case holds its recordings again; closing releases that hold (dates recomputed).
    await onCaseStageChanged(trx, user, id, c.status, input.to);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.stage',
      target: { type: 'case', id },
      details: { caseNumber: c.case_number, from: c.status, to: input.to, kind: t.kind, skipped: t.skipped, reason, on },
    });
  });
  return getCase(deps, user, id);
}

/** Adds a party (当事人) to a case; its ID number is encrypted before it reaches the database. Audited with the masked form only. */
export async function addParty(deps: Deps, user: AuthUser, caseId: string, input: PartyInput) {
  const { db } = deps;
  await requireAccess(db, user, 'case.edit', [caseId]);
  await db.transaction().execute(async (trx) => {
    const c = await repo.lockCase(trx, caseId);
    if (!c) throw new AppError('NOT_FOUND');
    const p = await addPartyRow(deps, trx, caseId, input);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case.party.add',
      target: { type: 'case', id: caseId },
      details: { caseNumber: c.case_number, partyId: p.id, kind: input.kind, name: input.name, idType: input.idType, idMasked: p.masked },
    });
  });
  return getCase(deps, user, caseId);
}

/**
 * Shows a party's ID number in full to a holder of the reveal permission for this case (个人信息保护法 art. 51);
 * every reveal is an audit event naming the party and the reason given. Without the permission: 403 when the
 * case is readable, 404 when it is not.
 */
export async function revealPartyId(deps: Deps, user: AuthUser, caseId: string, partyId: string, reason: string) {
  const { db } = deps;
  await requireAccess(db, user, 'case.read', [caseId]);
  await requireAccess(db, user, 'case.party.reveal', [caseId], 'FORBIDDEN');
  const p = await repo.partyCipher(db, caseId, partyId);
  if (!p) throw new AppError('NOT_FOUND');
  const key = await partyIdKey(deps.config.dataDir);
  // A number that cannot be decrypted is not a server fault to hide behind a 500: the caller is told why
  // (another key → 503, the admin restores the key file; a ciphertext failing its GCM tag → 409, damaged or
  // altered) and the attempt is one audit event naming the cause — never the ciphertext nor any part of it.
  let idNumber: string | undefined;
  let failure: 'key-mismatch' | 'integrity' | undefined;
  if (p.id_key_id !== key.keyId) failure = 'key-mismatch';
  else {
    try {
      idNumber = key.decrypt(p.id_ciphertext, p.id);
    } catch {
      failure = 'integrity';
    }
  }
  await db.transaction().execute(async (trx) => {
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: failure ? 'case.party.reveal.failed' : 'case.party.reveal',
      target: { type: 'case', id: caseId },
      details: failure
        ? { partyId, name: p.name, idMasked: p.id_masked, reason, cause: failure, rowKeyId: p.id_key_id, nodeKeyId: key.keyId }
        : { partyId, name: p.name, idMasked: p.id_masked, reason },
    });
  });
  if (failure === 'key-mismatch') throw new AppError('PARTY_KEY_UNAVAILABLE', { keyId: p.id_key_id });
  if (failure === 'integrity' || idNumber === undefined) throw new AppError('PARTY_ID_UNREADABLE');
  return { partyId, idNumber };
}
