/**
 * The access specification, written out (issue 7 §1; issue 6 items 2 and 6): for each role and the role
 * combinations that once widened scope, each action on objects in each relation to the caller → the HTTP
 * answer. The table is literal on purpose: it is not computed from permissions.ts, so a change there that
 * gives a role more (officers reading the audit log, say) makes a cell fail.
 *
 * The world of each principal (built fresh, so no cell depends on another):
 *
 *   X (bureau) ─┬─ A  ← the caller's department; the caller's own person `me` is here
 *               │  └─ A1 (sub-department)
 *               └─ B  (other department)
 *
 *   relation        recording (department, uploaded by, officer)    person (read, receipt)
 *   ownDept         A,  someone else, pA                            pA  (A)
 *   subDept         A1, someone else, pA1                           pA1 (A1)
 *   otherDept       B,  someone else, pB                            pB  (B)
 *   ownRecording    B,  the caller,   pB2                           pB2 (B)
 *   tagged          B,  someone else, me                            me  (A)
 *
 * Every recording was uploaded on 2026-03-10 (Beijing), the receipt day. Upload targets: A, A1, B.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { createTestApp, login, makeDepartment, makePerson, makeRecording, makeUser, type Session, type TestContext } from '../support/harness.ts';

type Principal = 'officer' | 'custodian' | 'leader' | 'supervisor' | 'admin' | 'auditor' | 'officer+auditor' | 'officer+supervisor' | 'leader+auditor';
/** Columns in the order: ownDept, subDept, otherDept, ownRecording, tagged. */
type Five = [number, number, number, number, number];
type Shown = ['shown' | 'hidden', 'shown' | 'hidden', 'shown' | 'hidden', 'shown' | 'hidden', 'shown' | 'hidden'];
interface Row {
  /** GET /api/recordings/:id */
  readMetadata: Five;
  /** GET /api/recordings/:id/custody (issue 8 §7: the chain of custody — metadata only, in the reader's scope) */
  readCustody: Five;
  /**
   * GET /api/recordings/:id/thumbnail. Issue 8 §2 (第十四条): pictures only under a live grant, and no principal
   * here has one; the one exception — the uploader / recording officer in the first 24 hours after upload — has
   * passed for these 2026-03-10 uploads. test/security/grants.test.ts holds the grant × role matrix.
   */
  viewThumbnail: Five;
  /** GET /api/recordings?ids=… (the list shows exactly what the detail page allows) */
  listShows: Shown;
  /** PATCH /api/recordings/:id { notes } */
  edit: Five;
  /** GET /api/personnel/:id of the relation's person */
  readPerson: Five;
  /** POST /api/offload/receipts for the relation's person, day 2026-03-10 */
  confirmReceipt: Five;
  /** POST /api/uploads (tus creation) into [A, A1, B] */
  uploadInto: [number, number, number];
  /** GET /api/audit-events */
  readAuditLog: number;
  /** PUT /api/settings/agency.name */
  writeSettings: number;
}

const S = 'shown';
const H = 'hidden';

// prettier-ignore
const SPEC: Record<Principal, Row> = {
  //                   ownDept subDept otherDept ownRecording tagged
  officer: {
    readMetadata:   [200, 200, 404, 200, 200],
    readCustody:    [403, 403, 403, 403, 403],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   H,   S,   S],
    edit:           [403, 403, 404, 200, 200],
    readPerson:     [200, 200, 404, 404, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [201, 201, 400],
    readAuditLog: 403,
    writeSettings: 403,
  },
  custodian: {
    readMetadata:   [200, 200, 404, 200, 200],
    readCustody:    [200, 200, 404, 200, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   H,   S,   S],
    edit:           [200, 200, 404, 403, 403],
    readPerson:     [200, 200, 404, 404, 200],
    confirmReceipt: [201, 201, 404, 404, 201],
    uploadInto:     [201, 201, 400],
    readAuditLog: 403,
    writeSettings: 403,
  },
  leader: {
    readMetadata:   [200, 200, 404, 404, 200],
    readCustody:    [200, 200, 404, 404, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   H,   H,   S],
    edit:           [200, 200, 404, 404, 403],
    readPerson:     [200, 200, 404, 404, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [403, 403, 403],
    readAuditLog: 403,
    writeSettings: 403,
  },
  supervisor: {
    readMetadata:   [200, 200, 200, 200, 200],
    readCustody:    [200, 200, 200, 200, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   S,   S,   S],
    edit:           [403, 403, 403, 403, 403],
    readPerson:     [200, 200, 200, 200, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [403, 403, 403],
    readAuditLog: 200,
    writeSettings: 403,
  },
  admin: {
    readMetadata:   [200, 200, 200, 200, 200],
    readCustody:    [200, 200, 200, 200, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   S,   S,   S],
    edit:           [200, 200, 200, 200, 200],
    readPerson:     [200, 200, 200, 200, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [403, 403, 403],
    readAuditLog: 200,
    writeSettings: 200,
  },
  auditor: {
    readMetadata:   [200, 200, 200, 200, 200],
    readCustody:    [200, 200, 200, 200, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   S,   S,   S],
    edit:           [403, 403, 403, 403, 403],
    readPerson:     [200, 200, 200, 200, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [403, 403, 403],
    readAuditLog: 200,
    writeSettings: 403,
  },
  // Issue 6 item 2: the auditor's global reach is for reading only; edits and uploads keep the officer's reach.
  'officer+auditor': {
    readMetadata:   [200, 200, 200, 200, 200],
    readCustody:    [200, 200, 200, 200, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   S,   S,   S],
    edit:           [403, 403, 403, 200, 200],
    readPerson:     [200, 200, 200, 200, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [201, 201, 400],
    readAuditLog: 200,
    writeSettings: 403,
  },
  'officer+supervisor': {
    readMetadata:   [200, 200, 200, 200, 200],
    readCustody:    [200, 200, 200, 200, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   S,   S,   S],
    edit:           [403, 403, 403, 200, 200],
    readPerson:     [200, 200, 200, 200, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [201, 201, 400],
    readAuditLog: 200,
    writeSettings: 403,
  },
  'leader+auditor': {
    readMetadata:   [200, 200, 200, 200, 200],
    readCustody:    [200, 200, 200, 200, 200],
    viewThumbnail:  [404, 404, 404, 404, 404],
    listShows:      [S,   S,   S,   S,   S],
    edit:           [200, 200, 403, 403, 403],
    readPerson:     [200, 200, 200, 200, 200],
    confirmReceipt: [403, 403, 403, 403, 403],
    uploadInto:     [403, 403, 403],
    readAuditLog: 200,
    writeSettings: 403,
  },
};

const RELATIONS = ['ownDept', 'subDept', 'otherDept', 'ownRecording', 'tagged'] as const;
type Relation = (typeof RELATIONS)[number];
const DAY = '2026-03-10';

let ctx: TestContext;
let thumbnailSha: string;

beforeAll(async () => {
  ctx = await createTestApp();
  // One stored thumbnail object every fixture recording points at (the bytes need not be a real JPEG).
  const file = path.join(ctx.dataDir, 'thumb.jpg');
  await writeFile(file, randomBytes(512));
  thumbnailSha = (await ctx.deps.storage.putFile(file)).sha256;
});
afterAll(() => ctx.close());

interface World {
  session: Session;
  recording: Record<Relation, string>;
  person: Record<Relation, string>;
  department: { A: string; A1: string; B: string };
}

/** A fresh world for one principal (see the file comment). */
async function worldFor(principal: Principal): Promise<World> {
  const { db } = ctx;
  const X = await makeDepartment(db, { kind: 'bureau' });
  const A = await makeDepartment(db, { parentId: X.id });
  const A1 = await makeDepartment(db, { parentId: A.id });
  const B = await makeDepartment(db, { parentId: X.id });
  const me = await makePerson(db, { departmentId: A.id });
  const pA = await makePerson(db, { departmentId: A.id });
  const pA1 = await makePerson(db, { departmentId: A1.id });
  const pB = await makePerson(db, { departmentId: B.id });
  const pB2 = await makePerson(db, { departmentId: B.id });
  const user = await makeUser(db, { roles: principal.split('+') as Role[], departmentId: A.id, personId: me.id });
  const someoneElse = await makeUser(db, { roles: ['custodian'], departmentId: X.id });
  const rec = (departmentId: string, uploadedBy: string, officer: string) =>
    makeRecording(db, { departmentId, officerIds: [officer], uploadedBy, recordedStart: `${DAY}T01:00:00Z`, uploadedAt: `${DAY}T03:00:00Z` });
  const recording = {
    ownDept: await rec(A.id, someoneElse.id, pA.id),
    subDept: await rec(A1.id, someoneElse.id, pA1.id),
    otherDept: await rec(B.id, someoneElse.id, pB.id),
    ownRecording: await rec(B.id, user.id, pB2.id),
    tagged: await rec(B.id, someoneElse.id, me.id),
  };
  const originals = await db.selectFrom('recording').select('original_sha256').where('id', 'in', Object.values(recording)).execute();
  for (const { original_sha256 } of originals) {
    await db.insertInto('derived_object').values({ sha256: thumbnailSha, sm3: '0'.repeat(64), size_bytes: 512, kind: 'thumbnail', mime_type: 'image/jpeg', original_sha256 }).onConflict((oc) => oc.doNothing()).execute();
    await sql`UPDATE media_info SET state = 'ready', thumbnail_sha256 = ${thumbnailSha} WHERE original_sha256 = ${original_sha256}`.execute(db);
  }
  return {
    session: await login(ctx.app, user.username, user.password),
    recording,
    person: { ownDept: pA.id, subDept: pA1.id, otherDept: pB.id, ownRecording: pB2.id, tagged: me.id },
    department: { A: A.id, A1: A1.id, B: B.id },
  };
}

/** tus creation (POST /api/uploads) of a 10-byte file into a department, naming the caller's own person. */
async function createUpload(s: Session, departmentId: string, officerId: string) {
  const meta = { departmentId, officerIds: [officerId], recordedStart: `${DAY}T01:00:00Z`, activity: 'patrol', partyInformed: 'not_applicable' };
  const b64 = (v: string) => Buffer.from(v).toString('base64');
  return s.request('POST', '/api/uploads', undefined, {
    'tus-resumable': '1.0.0',
    'upload-length': '10',
    'upload-metadata': `filename ${b64('spec.mp4')},metadata ${b64(JSON.stringify(meta))}`,
  });
}

/** Runs every cell of one principal's row; returns [cell name, expected, actual] for each. */
async function observe(principal: Principal): Promise<[string, unknown, unknown][]> {
  const w = await worldFor(principal);
  const row = SPEC[principal];
  const s = w.session;
  const cells: [string, unknown, unknown][] = [];
  const listed = (await s.request('GET', `/api/recordings?limit=50&ids=${Object.values(w.recording).join(',')}`)).json() as { items: { id: string }[] };
  const shown = new Set(listed.items.map((i) => i.id));
  for (const [i, rel] of RELATIONS.entries()) {
    const id = w.recording[rel];
    cells.push([`readMetadata ${rel}`, row.readMetadata[i], (await s.request('GET', `/api/recordings/${id}`)).statusCode]);
    cells.push([`readCustody ${rel}`, row.readCustody[i], (await s.request('GET', `/api/recordings/${id}/custody`)).statusCode]);
    cells.push([`viewThumbnail ${rel}`, row.viewThumbnail[i], (await s.request('GET', `/api/recordings/${id}/thumbnail`)).statusCode]);
    cells.push([`listShows ${rel}`, row.listShows[i], shown.has(id) ? S : H]);
    cells.push([`edit ${rel}`, row.edit[i], (await s.request('PATCH', `/api/recordings/${id}`, { notes: `${principal} 的修改` })).statusCode]);
    cells.push([`readPerson ${rel}`, row.readPerson[i], (await s.request('GET', `/api/personnel/${w.person[rel]}`)).statusCode]);
    cells.push([`confirmReceipt ${rel}`, row.confirmReceipt[i], (await s.request('POST', '/api/offload/receipts', { personId: w.person[rel], day: DAY })).statusCode]);
  }
  // Uploads name the caller's own person (`me`, in A), whom any uploader may name: only the department differs.
  for (const [i, d] of (['A', 'A1', 'B'] as const).entries()) {
    cells.push([`uploadInto ${d}`, row.uploadInto[i], (await createUpload(s, w.department[d], w.person.tagged)).statusCode]);
  }
  cells.push(['readAuditLog', row.readAuditLog, (await s.request('GET', '/api/audit-events?limit=1')).statusCode]);
  cells.push(['writeSettings', row.writeSettings, (await s.request('PUT', '/api/settings/agency.name', { value: `${principal} 写入` })).statusCode]);
  return cells;
}

describe('access specification: role × action × relation → answer, through the HTTP API', () => {
  let total = 0;
  for (const principal of Object.keys(SPEC) as Principal[]) {
    test(principal, async () => {
      const cells = await observe(principal);
      total += cells.length;
      const wrong = cells.filter(([, expected, actual]) => expected !== actual).map(([name, expected, actual]) => `${principal} · ${name}: expected ${expected}, got ${actual}`);
      expect(wrong).toEqual([]);
      expect(cells).toHaveLength(40);
    });
  }
  test('every cell was checked', () => {
    console.log(`access specification: ${total} cells checked (${Object.keys(SPEC).length} principals × 40)`);
    expect(total).toBe(Object.keys(SPEC).length * 40);
  });
});
