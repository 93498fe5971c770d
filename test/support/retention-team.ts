import { expect } from 'vitest';
import { makeTeam } from '../cases/case-fixtures.ts';
import { login, makeUser, type Session, type TestContext } from './harness.ts';

/**
 * The people of the retention tests: a team (a department, two officers, a leader with a session), a second
 * leader of the same department (approves what the first proposes: self-approval is refused), and an admin
 * (settings). With `fondsNumber`, the agency's 全宗号 is set (archiving a case file refuses without it); with
 * `examPassedOn`, the officers passed their exam then (第七条 is checked against the dates of their cases).
 */
export async function retentionTeam(ctx: TestContext, o: { fondsNumber?: string; examPassedOn?: string } = {}) {
  const team = await makeTeam(ctx, { roles: ['leader'] });
  if (o.examPassedOn) await ctx.db.updateTable('person').set({ certificate_exam_passed_on: o.examPassedOn }).where('id', 'in', [team.p1.id, team.p2.id]).execute();
  const b = await makeUser(ctx.db, { roles: ['leader'], departmentId: team.dept.id });
  const leaderB: Session = await login(ctx.app, b.username, b.password);
  const a = await makeUser(ctx.db, { roles: ['admin'] });
  const admin: Session = await login(ctx.app, a.username, a.password);
  if (o.fondsNumber) expect((await admin.request('PUT', '/api/settings/agency.fondsNumber', { value: o.fondsNumber })).statusCode).toBe(200);
  return { team, leaderB, admin };
}

/** Sets the disposal grace period (days) as the admin. */
export async function setDisposalGrace(admin: Session, days: number) {
  expect((await admin.request('PUT', '/api/settings/retention.disposalGraceDays', { value: days })).statusCode).toBe(200);
}
