import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHECK_BYTES } from '../../src/modules/playback/playback.service.ts';
import { createTestApp, type Session, type TestContext } from '../support/harness.ts';
import { grantAccess, makePlayableRecording, makeViewer, makeWorld, revokeGrant, sessionEvents, type PlaybackWorld } from './playback-fixtures.ts';

/**
 * Issue 8: revocation is immediate, also mid-stream — an open range read stops being served. Real HTTP (the
 * client holds the stream open and paused while the grant is revoked), a proxy far larger than what socket
 * buffers hold.
 */

let ctx: TestContext;
let base: string;
let w: PlaybackWorld;
const SIZE = 64 << 20;
let rec: { id: string };

beforeAll(async () => {
  ctx = await createTestApp();
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  w = await makeWorld(ctx);
  rec = await makePlayableRecording(ctx, w, { proxy: randomBytes(SIZE) });
});
afterAll(() => ctx.close());

/**
 * GETs `url` (Range bytes=0-), pauses after the first `pauseAfter` bytes, runs `whilePaused`, resumes and reads
 * to the end. Resolves with the bytes received at the pause, in all, and whether the response completed.
 */
function readWithPause(s: Session, url: string, pauseAfter: number, whilePaused: () => Promise<void>) {
  return new Promise<{ atPause: number; total: number; complete: boolean; status: number }>((resolve, reject) => {
    const req = http.get(`${base}${url}`, { headers: { cookie: s.cookie, range: 'bytes=0-' } }, (res) => {
      let total = 0;
      let atPause = -1;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (atPause < 0 && total >= pauseAfter) {
          atPause = total;
          res.pause();
          whilePaused().then(() => res.resume(), reject);
        }
      });
      const done = () => resolve({ atPause, total, complete: res.complete, status: res.statusCode ?? 0 });
      res.on('end', done);
      res.on('aborted', done);
      res.on('error', done);
      res.on('close', done);
    });
    req.on('error', reject);
  });
}

test('a grant revoked while its stream is open: the stream stops, the session ends as revoked (audited)', async () => {
  const viewer = await makeViewer(ctx, w);
  const grant = await grantAccess(ctx, w, viewer.user.id, [rec.id], 'view');
  const open = async () => (await viewer.session.request('POST', `/api/recordings/${rec.id}/playback-sessions`)).json() as { sessionId: string; proxyUrl: string };

  // Control: the same read without revocation delivers every byte (so the cut below is the revocation's doing).
  const control = await open();
  const whole = await readWithPause(viewer.session, control.proxyUrl, 1 << 20, async () => undefined);
  expect(whole).toMatchObject({ status: 206, total: SIZE, complete: true });

  const s = await open();
  const cut = await readWithPause(viewer.session, s.proxyUrl, 1 << 20, () => revokeGrant(ctx, w, grant));
  expect(cut.status).toBe(206);
  expect(cut.complete).toBe(false);
  expect(cut.total).toBeLessThan(SIZE);
  // After the revocation at most one check interval more, plus what the sockets' buffers held (well under 16 MiB).
  expect(cut.total - cut.atPause).toBeLessThan(CHECK_BYTES + (16 << 20));

  const events = await sessionEvents(ctx, s.sessionId);
  expect(events.map((e) => e.action)).toEqual(['recording.playback.start', 'recording.playback.end']);
  expect(events[1]!.details).toMatchObject({ reason: 'revoked' });
  // And nothing more is served in that session.
  const again = await viewer.session.request('GET', s.proxyUrl, undefined, { range: 'bytes=0-' });
  expect(again.statusCode).toBe(404);
});
