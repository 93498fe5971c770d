import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { Role } from '../../src/platform/auth/permissions.ts';
import { login, makeDepartment, makePerson, makeUser, type Session, type TestContext } from '../support/harness.ts';

/**
 * Fixtures for playback tests: recordings with stored proxies (and thumbnails, originals), and grants written
 * as rows (fixtures, not user actions — the grant workflow itself is tested in test/security/grants.test.ts).
 */

/** Stores a local file as an object; returns its key and hashes. */
export async function storeFile(ctx: TestContext, file: string) {
  return ctx.deps.storage.putFile(file);
}

/** Stores bytes as an object. */
export async function storeBytes(ctx: TestContext, bytes: Buffer) {
  const f = path.join(ctx.dataDir, `fixture-${randomBytes(6).toString('hex')}`);
  await writeFile(f, bytes);
  return ctx.deps.storage.putFile(f);
}

export interface PlaybackWorld {
  departmentId: string;
  /** The uploader (an officer of the department). */
  uploaderId: string;
  /** A leader of the department who approves grants. */
  leaderId: string;
}

/** A department with an uploading officer and a leader. */
export async function makeWorld(ctx: TestContext): Promise<PlaybackWorld> {
  const dept = await makeDepartment(ctx.db);
  const officer = await makePerson(ctx.db, { departmentId: dept.id });
  const uploader = await makeUser(ctx.db, { roles: ['officer'], departmentId: dept.id, personId: officer.id });
  const leader = await makeUser(ctx.db, { roles: ['leader'], departmentId: dept.id });
  return { departmentId: dept.id, uploaderId: uploader.id, leaderId: leader.id };
}

/**
 * A recording uploaded two days ago (outside the uploader's own-footage window) whose media are ready: the given
 * proxy bytes or file as its proxy, optionally a thumbnail, and optionally the original's real bytes.
 */
export async function makePlayableRecording(
  ctx: TestContext,
  w: PlaybackWorld,
  o: { proxy: Buffer | string; proxyMime?: string; thumbnail?: Buffer; original?: Buffer },
): Promise<{ id: string; proxySha256: string; originalSha256: string }> {
  const uploadedAt = new Date(Date.now() - 48 * 3600_000).toISOString();
  // The original: real stored bytes when given, else a row without bytes (as the harness's makeRecording).
  const original = o.original
    ? await storeBytes(ctx, o.original)
    : { sha256: randomBytes(32).toString('hex'), sm3: randomBytes(32).toString('hex'), size: 1000 };
  const originalSha256 = original.sha256;
  await ctx.db.insertInto('original').values({ sha256: original.sha256, sm3: original.sm3, size_bytes: original.size }).onConflict((oc) => oc.doNothing()).execute();
  const { id } = await ctx.db
    .insertInto('recording')
    .values({
      original_sha256: originalSha256,
      file_name: `DSJ_${originalSha256.slice(0, 8)}.mp4`,
      department_id: w.departmentId,
      recorded_start: uploadedAt,
      uploaded_at: uploadedAt,
      uploaded_by: w.uploaderId,
      activity: 'patrol',
      party_informed: 'yes',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.insertInto('media_info').values({ original_sha256: originalSha256, state: 'ready' }).onConflict((oc) => oc.doNothing()).execute();
  const proxy = typeof o.proxy === 'string' ? await storeFile(ctx, o.proxy) : await storeBytes(ctx, o.proxy);
  await ctx.db
    .insertInto('derived_object')
    .values({ sha256: proxy.sha256, sm3: proxy.sm3, size_bytes: proxy.size, kind: 'proxy', mime_type: o.proxyMime ?? 'video/mp4', original_sha256: originalSha256 })
    .onConflict((oc) => oc.doNothing())
    .execute();
  let thumb: string | null = null;
  if (o.thumbnail) {
    const t = await storeBytes(ctx, o.thumbnail);
    await ctx.db
      .insertInto('derived_object')
      .values({ sha256: t.sha256, sm3: t.sm3, size_bytes: t.size, kind: 'thumbnail', mime_type: 'image/jpeg', original_sha256: originalSha256 })
      .onConflict((oc) => oc.doNothing())
      .execute();
    thumb = t.sha256;
  }
  await sql`UPDATE media_info SET state = 'ready', kind = 'video', proxy_sha256 = ${proxy.sha256}, thumbnail_sha256 = ${thumb}
    WHERE original_sha256 = ${originalSha256}`.execute(ctx.db);
  return { id, proxySha256: proxy.sha256, originalSha256 };
}

/** A viewer: a user of the department (reads its metadata) with a linked person, logged in. */
export async function makeViewer(ctx: TestContext, w: PlaybackWorld, roles: Role[] = ['officer'], name?: string) {
  const person = await makePerson(ctx.db, { departmentId: w.departmentId, ...(name && { name }) });
  const user = await makeUser(ctx.db, { roles, departmentId: w.departmentId, personId: person.id });
  const session: Session = await login(ctx.app, user.username, user.password);
  return { user, person, session };
}

/** An approved grant (request + grant + items), valid from an hour ago until `validUntil` (default: in an hour). */
export async function grantAccess(
  ctx: TestContext,
  w: PlaybackWorld,
  granteeId: string,
  recordingIds: string[],
  mode: 'view' | 'copy',
  o: { validUntil?: Date } = {},
): Promise<string> {
  const from = new Date(Date.now() - 3600_000);
  const until = o.validUntil ?? new Date(Date.now() + 3600_000);
  const req = await ctx.db
    .insertInto('access_request')
    .values({
      requester_id: granteeId,
      department_id: w.departmentId,
      kind: 'items',
      purpose: '测试调阅',
      mode,
      period_from: from,
      period_until: until,
      state: 'approved',
      decided_by: w.leaderId,
      decided_at: from,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const g = await ctx.db
    .insertInto('access_grant')
    .values({ request_id: req.id, grantee_id: granteeId, department_id: w.departmentId, mode, valid_from: from, valid_until: until, approved_by: w.leaderId })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const r of recordingIds) {
    await ctx.db.insertInto('access_request_item').values({ request_id: req.id, recording_id: r }).execute();
    await ctx.db.insertInto('access_grant_item').values({ grant_id: g.id, recording_id: r }).execute();
  }
  return g.id;
}

/** Revokes a grant now (as its approver would). */
export async function revokeGrant(ctx: TestContext, w: PlaybackWorld, grantId: string): Promise<void> {
  await sql`UPDATE access_grant SET revoked_at = now(), revoked_by = ${w.leaderId}, revoke_reason = '测试撤销' WHERE id = ${grantId}`.execute(ctx.db);
}

/** The audit events of one viewing session, oldest first. */
export async function sessionEvents(ctx: TestContext, sessionId: string) {
  return (
    await sql<{ action: string; details: Record<string, unknown>; actor_label: string }>`
      SELECT action, details, actor_label FROM audit_event WHERE details->>'sessionId' = ${sessionId} ORDER BY seq`.execute(ctx.db)
  ).rows;
}
