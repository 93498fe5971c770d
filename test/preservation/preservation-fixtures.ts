import { Readable } from 'node:stream';
import { makePerson, type Session, type TestContext } from '../support/harness.ts';

/** A recording whose original's bytes are really in the store (legal holds and discs need them). */
export async function storeRecording(ctx: TestContext, o: { bytes: Buffer; departmentId: string; uploadedBy: string; fileName?: string; personId?: string }) {
  const put = await ctx.deps.storage.put(Readable.from([o.bytes]));
  await ctx.db.insertInto('original').values({ sha256: put.sha256, sm3: put.sm3, size_bytes: o.bytes.length }).onConflict((oc) => oc.doNothing()).execute();
  const personId = o.personId ?? (await makePerson(ctx.db, { departmentId: o.departmentId })).id;
  const r = await ctx.db
    .insertInto('recording')
    .values({
      original_sha256: put.sha256,
      file_name: o.fileName ?? `${put.sha256.slice(0, 8)}.mp4`,
      department_id: o.departmentId,
      recorded_start: '2026-11-27T01:00:00Z',
      uploaded_by: o.uploadedBy,
      activity: 'patrol',
      party_informed: 'yes',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.insertInto('recording_officer').values({ recording_id: r.id, person_id: personId }).execute();
  return { id: r.id, sha256: put.sha256, sm3: put.sm3, bytes: o.bytes };
}

/** Proposes a mark (201 expected) and returns its id. */
export async function propose(s: Session, recordingIds: string[], ground = 'objection', description?: string): Promise<string> {
  const r = await s.request('POST', '/api/preservation-marks', { recordingIds, ground, ...(description && { description }) });
  if (r.statusCode !== 201) throw new Error(`propose: ${r.statusCode} ${r.body}`);
  return (r.json() as { id: string }).id;
}

/** Approves a mark (200 expected). */
export async function approve(s: Session, id: string): Promise<void> {
  const r = await s.request('POST', `/api/preservation-marks/${id}/approve`, {});
  if (r.statusCode !== 200) throw new Error(`approve: ${r.statusCode} ${r.body}`);
}
