import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, type Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, loginAs, makeDepartment, makePerson, type Session, type TestContext } from '../support/harness.ts';
import { grantAccess, makePlayableRecording, makeViewer, makeWorld, revokeGrant, type PlaybackWorld } from '../playback/playback-fixtures.ts';

/**
 * Issue 8 governance endpoints behind the web pages: who may read and change the media policy table (第十四条),
 * the tagging window and a department's head (负责人); departments show their head; and what
 * GET /api/recordings/:id/media-access tells the copy buttons.
 */

let ctx: TestContext;
const sessions = new Map<Role, Session>();

beforeAll(async () => {
  ctx = await createTestApp();
  const dept = await makeDepartment(ctx.db);
  for (const role of ROLES) sessions.set(role, (await loginAs(ctx, [role], { departmentId: dept.id })).session);
});
afterAll(() => ctx.close());

describe('who may read and change the policy table, the tagging window and department heads', () => {
  // prettier-ignore
  const TABLE: Record<Role, [readPolicy: number, writePolicy: number, writeHours: number, writeHead: number]> = {
    //           GET policy  PUT policy/:role  PUT settings/access.ownMediaHours  PUT departments/:id/head
    officer:    [403,        403,              403,                               403],
    custodian:  [403,        403,              403,                               403],
    leader:     [403,        403,              403,                               403],
    supervisor: [403,        403,              403,                               403],
    admin:      [200,        200,              200,                               200],
    auditor:    [200,        403,              403,                               403],
  };
  for (const [role, expected] of Object.entries(TABLE) as [Role, number[]][]) {
    test(role, async () => {
      const s = sessions.get(role)!;
      const dept = await makeDepartment(ctx.db);
      const head = await makePerson(ctx.db, { departmentId: dept.id });
      const before = await ctx.db.selectFrom('media_access_policy').select('without_grant').where('role', '=', 'officer').executeTakeFirstOrThrow();
      const actual = [
        (await s.request('GET', '/api/access-policy')).statusCode,
        // The value written is the one already there, so the table stays as the regulation has it.
        (await s.request('PUT', '/api/access-policy/officer', { withoutGrant: before.without_grant })).statusCode,
        (await s.request('PUT', '/api/settings/access.ownMediaHours', { value: 24 })).statusCode,
        (await s.request('PUT', `/api/departments/${dept.id}/head`, { personId: head.id })).statusCode,
      ];
      expect(actual).toEqual(expected);
      const stored = await ctx.db.selectFrom('department').select('head_person_id').where('id', '=', dept.id).executeTakeFirstOrThrow();
      expect(stored.head_person_id).toBe(expected[3] === 200 ? head.id : null);
    });
  }

  test('a department shows its head; an unknown person or department is refused and nothing changes', async () => {
    const admin = sessions.get('admin')!;
    const dept = await makeDepartment(ctx.db);
    const head = await makePerson(ctx.db, { departmentId: dept.id });
    const listed = async () => ((await admin.request('GET', '/api/departments')).json() as { items: { id: string; headPersonId: string | null }[] }).items.find((d) => d.id === dept.id)!;
    expect((await listed()).headPersonId).toBeNull();
    expect((await admin.request('PUT', `/api/departments/${dept.id}/head`, { personId: head.id })).json()).toEqual({ departmentId: dept.id, headPersonId: head.id });
    expect((await listed()).headPersonId).toBe(head.id);
    const unknownPerson = await admin.request('PUT', `/api/departments/${dept.id}/head`, { personId: randomUUID() });
    expect([unknownPerson.statusCode, unknownPerson.json().code]).toEqual([400, 'PERSON_NOT_FOUND']);
    expect((await admin.request('PUT', `/api/departments/${randomUUID()}/head`, { personId: head.id })).statusCode).toBe(404);
    expect((await listed()).headPersonId).toBe(head.id);
    // Cleared with null; audited each time.
    expect((await admin.request('PUT', `/api/departments/${dept.id}/head`, { personId: null })).statusCode).toBe(200);
    expect((await listed()).headPersonId).toBeNull();
    const events = await ctx.db.selectFrom('audit_event').select(['action', 'details']).where('target_id', '=', dept.id).orderBy('seq').execute();
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['department.head.set', { before: null, after: head.id }],
      ['department.head.set', { before: head.id, after: null }],
    ]);
  });
});

describe('GET /api/recordings/:id/media-access (drives the play and copy buttons)', () => {
  let w: PlaybackWorld;
  let rec: { id: string };
  beforeAll(async () => {
    w = await makeWorld(ctx);
    rec = await makePlayableRecording(ctx, w, { proxy: Buffer.from('not a real proxy') });
  });

  test('none, view, copy, revoked copy, and out of scope', async () => {
    const url = () => `/api/recordings/${rec.id}/media-access`;
    const none = await makeViewer(ctx, w);
    expect((await none.session.request('GET', url())).json()).toEqual({ view: false, copy: false, grant: null });

    const viewer = await makeViewer(ctx, w);
    const viewGrant = await grantAccess(ctx, w, viewer.user.id, [rec.id], 'view');
    expect((await viewer.session.request('GET', url())).json()).toMatchObject({ view: true, copy: false, grant: { id: viewGrant, mode: 'view', emergency: false } });

    const copier = await makeViewer(ctx, w);
    const copyGrant = await grantAccess(ctx, w, copier.user.id, [rec.id], 'copy');
    const c = (await copier.session.request('GET', url())).json();
    expect(c).toMatchObject({ view: true, copy: true, grant: { id: copyGrant, mode: 'copy' } });
    expect(Date.parse(c.grant.validUntil)).toBeGreaterThan(Date.now());
    await revokeGrant(ctx, w, copyGrant);
    expect((await copier.session.request('GET', url())).json()).toEqual({ view: false, copy: false, grant: null });

    // Someone who may not read the recording's metadata learns nothing about it.
    const outsider = (await loginAs(ctx, ['officer'], { departmentId: (await makeDepartment(ctx.db)).id })).session;
    const res = await outsider.request('GET', url());
    expect([res.statusCode, res.json().code]).toEqual([404, 'NOT_FOUND']);
    expect((await outsider.request('GET', `/api/recordings/${randomUUID()}/media-access`)).statusCode).toBe(404);
  });
});
