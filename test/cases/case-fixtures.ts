import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';

/** A unique case number (案件编号) for one test. */
export const caseNo = (p = '冀商执罚') => `${p}〔2026〕${randomBytes(3).toString('hex')}号`;

/** An 18-digit resident ID (fixture, not a real person). */
export const RESIDENT_ID = '320102199001011234';

/** A department with two qualified officers and a user of the given roles there (linked to the first officer when asked). */
export async function makeTeam(ctx: TestContext, o: { roles?: Role[]; asOfficer?: boolean } = {}) {
  const dept = await makeDepartment(ctx.db);
  const p1 = await makePerson(ctx.db, { departmentId: dept.id, name: `张${randomBytes(2).toString('hex')}` });
  const p2 = await makePerson(ctx.db, { departmentId: dept.id, name: `李${randomBytes(2).toString('hex')}` });
  const u = await makeUser(ctx.db, { roles: o.roles ?? ['leader'], departmentId: dept.id, personId: o.asOfficer ? p1.id : null });
  const session = await login(ctx.app, u.username, u.password);
  return { dept, p1, p2, user: u, session };
}

/** The body of a general-procedure penalty case handled by p1 and p2 with one person party. */
export function generalCase(departmentId: string, officers: string[], extra: Record<string, unknown> = {}) {
  return {
    caseNumber: caseNo(),
    cause: '未按规定备案经营单用途商业预付卡',
    actKind: 'penalty',
    procedure: 'general',
    departmentId,
    officers: officers.map((personId) => ({ personId })),
    parties: [{ kind: 'person', name: '王某某', idType: 'resident_id', idNumber: RESIDENT_ID, address: '石家庄市长安区' }],
    ...extra,
  };
}

export async function fileCase(s: Session, body: Record<string, unknown>) {
  const res = await s.request('POST', '/api/cases', body);
  if (res.statusCode !== 201) throw new Error(`case not filed: ${res.statusCode} ${res.body}`);
  return res.json() as CaseBody;
}

export interface CaseBody {
  id: string;
  caseNumber: string;
  status: string;
  closedOn: string | null;
  parties: { id: string; idMasked: string; name: string }[];
  officers: { personId: string; lead: boolean }[];
  stages: { kind: string; fromStage: string | null; toStage: string; skipped: string[]; reason: string | null; occurredOn: string }[];
  checklist: { stage: string; required: string; entered: boolean; linkedRecordings: number; writtenReason: unknown; gap: boolean }[];
  gaps: string[];
  links: { id: string; recordingId: string; stage: string; unlinkedAt: string | null }[];
  hiddenLinks: number;
  deadlines: { id: string; kind: string; dueOn: string; daysLeft: number | null; deliveredOn: string | null; periodDays: number; workingDays: boolean }[];
  canEdit: boolean;
  canReveal: boolean;
}
