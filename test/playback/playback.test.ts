import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sweepPlayback } from '../../src/modules/playback/playback.service.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';
import { grantAccess, makePlayableRecording, makeViewer, makeWorld, revokeGrant, sessionEvents, type PlaybackWorld } from './playback-fixtures.ts';

/**
 * Issue 8 §3: playback of the proxy with HTTP range requests inside an audited viewing session; refusals leak
 * no bytes; range reads are batched into start / seek-burst / end events.
 */

let ctx: TestContext;
let w: PlaybackWorld;
const PROXY = randomBytes(1000);
let rec: { id: string; proxySha256: string };

beforeAll(async () => {
  ctx = await createTestApp();
  w = await makeWorld(ctx);
  rec = await makePlayableRecording(ctx, w, { proxy: PROXY });
});
afterAll(() => ctx.close());

async function openSession(s: { request: (m: string, u: string, b?: unknown) => Promise<{ statusCode: number; json(): unknown }> }, id = rec.id) {
  const r = await s.request('POST', `/api/recordings/${id}/playback-sessions`);
  expect(r.statusCode).toBe(201);
  return r.json() as { sessionId: string; proxyUrl: string; sizeBytes: number; viewer: { name: string; staffNumber: string } };
}

describe('range requests', () => {
  // Object of 1000 bytes; expected status, Content-Range and the bytes served, written out.
  const table: [range: string | undefined, status: number, contentRange: string | undefined, from: number, to: number][] = [
    [undefined, 200, undefined, 0, 999],
    ['bytes=0-0', 206, 'bytes 0-0/1000', 0, 0],
    ['bytes=0-', 206, 'bytes 0-999/1000', 0, 999],
    ['bytes=999-999', 206, 'bytes 999-999/1000', 999, 999],
    ['bytes=999-', 206, 'bytes 999-999/1000', 999, 999],
    ['bytes=-1', 206, 'bytes 999-999/1000', 999, 999],
    ['bytes=-1000', 206, 'bytes 0-999/1000', 0, 999],
    ['bytes=-4000', 206, 'bytes 0-999/1000', 0, 999],
    ['bytes=100-199', 206, 'bytes 100-199/1000', 100, 199],
    ['bytes=500-5000', 206, 'bytes 500-999/1000', 500, 999],
    ['bytes=1000-', 416, 'bytes */1000', 0, -1],
    ['bytes=1000-1000', 416, 'bytes */1000', 0, -1],
    ['bytes=-0', 416, 'bytes */1000', 0, -1],
    ['bytes=5-2', 200, undefined, 0, 999],
    ['bytes=0-1,5-6', 200, undefined, 0, 999],
  ];

  test('boundaries: first byte, last byte, suffixes, past the end → 416', async () => {
    const viewer = await makeViewer(ctx, w);
    await grantAccess(ctx, w, viewer.user.id, [rec.id], 'view');
    const s = await openSession(viewer.session);
    expect(s.sizeBytes).toBe(1000);
    for (const [range, status, contentRange, from, to] of table) {
      const r = await viewer.session.request('GET', s.proxyUrl, undefined, range ? { range } : {});
      expect([range, r.statusCode, r.statusCode === 500 ? r.body : '']).toEqual([range, status, '']);
      expect([range, r.headers['content-range']]).toEqual([range, contentRange]);
      if (status === 416) {
        expect((r.json() as { code: string }).code).toBe('RANGE_NOT_SATISFIABLE');
        continue;
      }
      expect(r.headers['accept-ranges']).toBe('bytes');
      expect(r.headers['content-type']).toBe('video/mp4');
      expect(Number(r.headers['content-length'])).toBe(to - from + 1);
      expect(r.rawPayload.equals(PROXY.subarray(from, to + 1))).toBe(true);
    }
  });
});

describe('refusals leak no bytes', () => {
  test('no grant, an expired grant, a revoked grant, someone else’s session, no session: nothing of the proxy', async () => {
    const holder = await makeViewer(ctx, w);
    const holderGrant = await grantAccess(ctx, w, holder.user.id, [rec.id], 'view');
    const holderSession = await openSession(holder.session);
    const stranger = await makeViewer(ctx, w);
    const expired = await makeViewer(ctx, w);
    await grantAccess(ctx, w, expired.user.id, [rec.id], 'view', { validUntil: new Date(Date.now() - 1000) });
    const other = await makeViewer(ctx, w);
    await grantAccess(ctx, w, other.user.id, [rec.id], 'view');

    const unknownId = randomUUID();
    // [who, method, url, expected status, expected code]
    const cases: [string, typeof holder.session, string, string, number, string][] = [
      ['no grant: open a session', stranger.session, 'POST', `/api/recordings/${rec.id}/playback-sessions`, 404, 'NOT_FOUND'],
      ['unknown recording: open a session', stranger.session, 'POST', `/api/recordings/${unknownId}/playback-sessions`, 404, 'NOT_FOUND'],
      ['no grant, holder’s session id', stranger.session, 'GET', holderSession.proxyUrl, 404, 'NOT_FOUND'],
      ['expired grant: open a session', expired.session, 'POST', `/api/recordings/${rec.id}/playback-sessions`, 404, 'NOT_FOUND'],
      ['expired grant, holder’s session id', expired.session, 'GET', holderSession.proxyUrl, 404, 'NOT_FOUND'],
      ['live grant, someone else’s session', other.session, 'GET', holderSession.proxyUrl, 404, 'NOT_FOUND'],
      ['live grant, unknown session', other.session, 'GET', `/api/recordings/${rec.id}/proxy?session=${unknownId}`, 404, 'NOT_FOUND'],
      ['live grant, no session', other.session, 'GET', `/api/recordings/${rec.id}/proxy`, 400, 'VALIDATION_FAILED'],
      ['end someone else’s session', other.session, 'POST', `/api/playback-sessions/${holderSession.sessionId}/end`, 404, 'NOT_FOUND'],
    ];
    for (const [what, s, method, url, status, code] of cases) {
      const r = await s.request(method, url, undefined, { range: 'bytes=0-' });
      expect([what, r.statusCode, (r.json() as { code: string }).code]).toEqual([what, status, code]);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.rawPayload.includes(PROXY.subarray(0, 16))).toBe(false);
    }
    // The holder still plays; after revocation the same session gets nothing.
    expect((await holder.session.request('GET', holderSession.proxyUrl, undefined, { range: 'bytes=0-15' })).statusCode).toBe(206);
    await revokeGrant(ctx, w, holderGrant);
    const after = await holder.session.request('GET', holderSession.proxyUrl, undefined, { range: 'bytes=0-15' });
    expect([after.statusCode, (after.json() as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
    expect(after.rawPayload.includes(PROXY.subarray(0, 16))).toBe(false);
  });
});

describe('audit batching', () => {
  test('12 range reads with one burst of 3 seeks → 3 events: start, seek (3 offsets), end', async () => {
    const viewer = await makeViewer(ctx, w);
    await grantAccess(ctx, w, viewer.user.id, [rec.id], 'view');
    const s = await openSession(viewer.session);
    // Nine reads that continue each other (a player fetching in pieces, or resuming inside what the latest read
    // served), then three jumps in a row, each outside what the read before it served.
    const ranges = ['bytes=0-99', 'bytes=100-199', 'bytes=200-299', 'bytes=300-399', 'bytes=400-', 'bytes=450-499', 'bytes=500-599', 'bytes=600-', 'bytes=650-699'];
    const seeks = ['bytes=900-', 'bytes=100-', 'bytes=50-'];
    for (const range of [...ranges, ...seeks]) expect((await viewer.session.request('GET', s.proxyUrl, undefined, { range })).statusCode).toBe(206);
    expect((await viewer.session.request('POST', `/api/playback-sessions/${s.sessionId}/end`)).statusCode).toBe(204);
    // Ending twice changes nothing.
    expect((await viewer.session.request('POST', `/api/playback-sessions/${s.sessionId}/end`)).statusCode).toBe(204);

    const events = await sessionEvents(ctx, s.sessionId);
    expect(events.map((e) => e.action)).toEqual(['recording.playback.start', 'recording.playback.seek', 'recording.playback.end']);
    expect((events[1]!.details.seeks as { offset: number }[]).map((x) => x.offset)).toEqual([900, 100, 50]);
    expect(events[2]!.details).toMatchObject({ reason: 'ended', rangeRequests: 12 });
    expect(events.every((e) => e.actor_label === viewer.user.username)).toBe(true);
    // An ended session serves nothing more.
    const late = await viewer.session.request('GET', s.proxyUrl, undefined, { range: 'bytes=0-' });
    expect([late.statusCode, (late.json() as { code: string }).code]).toEqual([409, 'PLAYBACK_SESSION_ENDED']);
  });

  test('two bursts apart → two seek events; an idle session times out (one end event, by the sweep)', async () => {
    const viewer = await makeViewer(ctx, w);
    await grantAccess(ctx, w, viewer.user.id, [rec.id], 'view');
    const s = await openSession(viewer.session);
    for (const range of ['bytes=0-99', 'bytes=800-', 'bytes=300-']) await viewer.session.request('GET', s.proxyUrl, undefined, { range });
    // The sweep writes out a burst once it has been quiet (gap 0 here instead of waiting).
    expect((await sweepPlayback(ctx.deps, { burstGapSeconds: 0 })).bursts).toBeGreaterThanOrEqual(1);
    await viewer.session.request('GET', s.proxyUrl, undefined, { range: 'bytes=50-' });
    // Idle: last seen long ago → timed out by the sweep, the pending burst written first.
    await sql`UPDATE playback_session SET last_seen_at = now() - interval '1 hour' WHERE id = ${s.sessionId}`.execute(ctx.db);
    expect((await sweepPlayback(ctx.deps)).timedOut).toBeGreaterThanOrEqual(1);
    const events = await sessionEvents(ctx, s.sessionId);
    expect(events.map((e) => e.action)).toEqual(['recording.playback.start', 'recording.playback.seek', 'recording.playback.seek', 'recording.playback.end']);
    expect(events.map((e) => (e.details.seeks as { offset: number }[] | undefined)?.map((x) => x.offset))).toEqual([undefined, [800, 300], [50], undefined]);
    expect(events[3]!.details).toMatchObject({ reason: 'timeout', rangeRequests: 4 });
    expect(events[3]!.actor_label).toBe('job:playback.sweep');
    const late = await viewer.session.request('GET', s.proxyUrl, undefined, { range: 'bytes=0-' });
    expect(late.statusCode).toBe(409);
  });
});

describe('thumbnails of a list page', () => {
  test('one audit event per page view; reads with its ticket add none; each read still checked', async () => {
    const thumbs = [randomBytes(300), randomBytes(300), randomBytes(300)];
    const recs = [];
    for (const t of thumbs) recs.push(await makePlayableRecording(ctx, w, { proxy: randomBytes(100), thumbnail: t }));
    const viewer = await makeViewer(ctx, w);
    const grant = await grantAccess(ctx, w, viewer.user.id, [recs[0]!.id, recs[1]!.id], 'view');
    const other = await makeViewer(ctx, w);
    await grantAccess(ctx, w, other.user.id, [recs[0]!.id], 'view');
    const events = async (action: string) =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = ${action} AND actor_id = ${viewer.user.id}`.execute(ctx.db)).rows[0]!.n);

    const t = await viewer.session.request('POST', '/api/recordings/thumbnail-tickets', { recordingIds: recs.map((r) => r.id) });
    expect(t.statusCode).toBe(201);
    const ticket = t.json() as { ticket: string; recordingIds: string[] };
    // Only what the viewer may see is named (and audited).
    expect(ticket.recordingIds.sort()).toEqual([recs[0]!.id, recs[1]!.id].sort());
    expect(await events('recording.thumbnails.view')).toBe(1);
    const view = (await sql<{ details: { recordingIds: string[] } }>`SELECT details FROM audit_event WHERE action = 'recording.thumbnails.view' AND actor_id = ${viewer.user.id}`.execute(ctx.db)).rows[0]!;
    expect(view.details.recordingIds.sort()).toEqual(ticket.recordingIds.sort());

    for (let i = 0; i < 2; i++) {
      for (const k of [0, 1]) {
        const r = await viewer.session.request('GET', `/api/recordings/${recs[k]!.id}/thumbnail?ticket=${ticket.ticket}`);
        expect(r.statusCode).toBe(200);
        expect(r.rawPayload.equals(thumbs[k]!)).toBe(true);
      }
    }
    expect(await events('recording.thumbnails.view')).toBe(1);
    expect(await events('recording.thumbnail.read')).toBe(0);
    // Not granted: refused with the ticket as without it.
    expect((await viewer.session.request('GET', `/api/recordings/${recs[2]!.id}/thumbnail?ticket=${ticket.ticket}`)).statusCode).toBe(404);
    // Someone else's ticket covers nothing of theirs: the read is audited on its own.
    const otherRead = await other.session.request('GET', `/api/recordings/${recs[0]!.id}/thumbnail?ticket=${ticket.ticket}`);
    expect(otherRead.statusCode).toBe(200);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_event WHERE action = 'recording.thumbnail.read' AND actor_id = ${other.user.id}`.execute(ctx.db)).rows[0]!.n)).toBe(1);
    // Without a ticket (the detail page): one event per read.
    await viewer.session.request('GET', `/api/recordings/${recs[0]!.id}/thumbnail`);
    expect(await events('recording.thumbnail.read')).toBe(1);
    // Revoked: the ticket does not keep a thumbnail visible.
    await revokeGrant(ctx, w, grant);
    expect((await viewer.session.request('GET', `/api/recordings/${recs[0]!.id}/thumbnail?ticket=${ticket.ticket}`)).statusCode).toBe(404);
    // A page of thumbnails the viewer may not see: no ticket, no event.
    const none = await other.session.request('POST', '/api/recordings/thumbnail-tickets', { recordingIds: [recs[2]!.id] });
    expect(none.json()).toEqual({ ticket: null, expiresAt: null, recordingIds: [] });
  });
});
