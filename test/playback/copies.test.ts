import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probe } from '../../src/platform/media/media.ts';
import { ffmpegPath } from '../../src/platform/media/media-tools.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { repoRoot } from '../support/cli.ts';
import { createTestApp, type TestContext } from '../support/harness.ts';
import { grantAccess, makePlayableRecording, makeViewer, makeWorld, revokeGrant, type PlaybackWorld } from './playback-fixtures.ts';

/**
 * Issue 8 §4 (第二十条): copies only under a copy grant — the original's untouched bytes, or the proxy with the
 * watermark burned in — each with a receipt signed by the installation's Ed25519 key, audited and counted per grant.
 */

const run = promisify(execFile);
let ctx: TestContext;
let w: PlaybackWorld;
const ORIGINAL = randomBytes(5000);
let rec: { id: string; proxySha256: string; originalSha256: string };
let proxyFile: string;

beforeAll(async () => {
  ctx = await createTestApp();
  w = await makeWorld(ctx);
  proxyFile = await makeClip(path.join(ctx.dataDir, 'proxy.mp4'), { seconds: 2, size: '640x360' });
  rec = await makePlayableRecording(ctx, w, { proxy: proxyFile, original: ORIGINAL });
});
afterAll(() => ctx.close());

interface Made {
  statement: { receiptId: string; kind: string; sha256: string; sm3: string; sizeBytes: number; grantId: string | null; recordingId: string; copiedBy: { userId: string; name: string; staffNumber: string | null }; keyId: string };
  signedText: string;
  signature: string;
  keyId: string;
  downloadUrl: string;
}

const copiesOf = async (grantId: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM copy_receipt WHERE grant_id = ${grantId}`.execute(ctx.db)).rows[0]!.n);

describe('copies', () => {
  test('the original: untouched bytes, a receipt whose Ed25519 signature verifies with the published key, audited, counted', async () => {
    const viewer = await makeViewer(ctx, w, ['officer'], '王五');
    const grant = await grantAccess(ctx, w, viewer.user.id, [rec.id], 'copy');
    const res = await viewer.session.request('POST', `/api/recordings/${rec.id}/copies`, { kind: 'original' });
    expect(res.statusCode).toBe(201);
    const made = res.json() as Made;
    expect(made.statement).toMatchObject({
      kind: 'original',
      recordingId: rec.id,
      sha256: createHash('sha256').update(ORIGINAL).digest('hex'),
      sm3: createHash('sm3').update(ORIGINAL).digest('hex'),
      sizeBytes: 5000,
      grantId: grant,
      copiedBy: { userId: viewer.user.id, name: '王五', staffNumber: viewer.person.staff_number },
    });
    expect(JSON.parse(made.signedText)).toEqual(made.statement);

    // The public key, as anyone fetches it (no login), checked with plain node:crypto.
    const key = (await ctx.app.inject({ method: 'GET', url: '/api/installation-key' })).json() as { keyId: string; publicKeyPem: string; publicKeyBase64: string };
    expect(key.keyId).toBe(made.keyId);
    const pub = createPublicKey(key.publicKeyPem);
    expect(verify(null, Buffer.from(made.signedText), pub, Buffer.from(made.signature, 'base64'))).toBe(true);
    // A receipt changed afterwards does not verify.
    const forged = made.signedText.replace(made.statement.sha256, 'f'.repeat(64));
    expect(verify(null, Buffer.from(forged), pub, Buffer.from(made.signature, 'base64'))).toBe(false);
    // The raw key is the same key.
    expect(pub.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')).toBe(key.publicKeyBase64);

    const file = await viewer.session.request('GET', made.downloadUrl);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(ORIGINAL)).toBe(true);
    expect(file.headers['x-quanlu-receipt']).toBe(made.statement.receiptId);
    // The receipt again, as stored.
    const again = (await viewer.session.request('GET', `/api/copies/${made.statement.receiptId}`)).json() as Made;
    expect(again.signature).toBe(made.signature);

    expect(await copiesOf(grant)).toBe(1);
    const audit = (await sql<{ action: string; details: { receiptId: string } }>`
      SELECT action, details FROM audit_event WHERE actor_id = ${viewer.user.id} AND action LIKE 'recording.copy%' ORDER BY seq`.execute(ctx.db)).rows;
    expect(audit.map((a) => [a.action, a.details.receiptId])).toEqual([
      ['recording.copy', made.statement.receiptId],
      ['recording.copy.download', made.statement.receiptId],
    ]);
    // The key file: created in the data folder, readable by its owner only.
    expect((await stat(path.join(ctx.dataDir, 'keys', 'installation-ed25519.pem'))).mode & 0o777).toBe(0o600);
  });

  test('the watermarked proxy: a playable MP4 with the watermark burned in, its receipt hashes what is downloaded', async () => {
    const viewer = await makeViewer(ctx, w, ['officer'], '赵六');
    const grant = await grantAccess(ctx, w, viewer.user.id, [rec.id], 'copy');
    const res = await viewer.session.request('POST', `/api/recordings/${rec.id}/copies`, { kind: 'watermarked-proxy' });
    expect(res.statusCode).toBe(201);
    const made = res.json() as Made;
    const file = await viewer.session.request('GET', made.downloadUrl);
    expect(file.statusCode).toBe(200);
    expect(createHash('sha256').update(file.rawPayload).digest('hex')).toBe(made.statement.sha256);
    expect(createHash('sm3').update(file.rawPayload).digest('hex')).toBe(made.statement.sm3);
    expect(file.rawPayload.length).toBe(made.statement.sizeBytes);
    expect(made.statement.sha256).not.toBe(rec.proxySha256);
    const out = path.join(ctx.dataDir, 'copy.mp4');
    await writeFile(out, file.rawPayload);
    const info = await probe(out);
    expect(info.kind).toBe('video');
    expect(info.durationSec).toBeGreaterThan(1.5);
    // Look at a frame (test-artifacts/), and compare it with the same frame of the proxy: the watermark changed pixels.
    const artifacts = path.join(repoRoot, 'test-artifacts');
    await mkdir(artifacts, { recursive: true });
    const frame = async (input: string, png: string) => {
      await run(ffmpegPath, ['-v', 'error', '-y', '-ss', '1', '-i', input, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', '160x90', `${png}.raw`]);
      await run(ffmpegPath, ['-v', 'error', '-y', '-ss', '1', '-i', input, '-frames:v', '1', png]);
      return (await import('node:fs/promises')).readFile(`${png}.raw`);
    };
    const marked = await frame(out, path.join(artifacts, 'playback-watermarked-copy.png'));
    const plain = await frame(proxyFile, path.join(ctx.dataDir, 'plain.png'));
    let differing = 0;
    for (let i = 0; i < marked.length; i++) if (Math.abs(marked[i]! - plain[i]!) > 24) differing++;
    expect(differing).toBeGreaterThan(100);
    expect(await copiesOf(grant)).toBe(1);
  });

  test('no copy without a live copy grant; receipts and files are their taker’s only', async () => {
    const viewOnly = await makeViewer(ctx, w);
    await grantAccess(ctx, w, viewOnly.user.id, [rec.id], 'view');
    const none = await makeViewer(ctx, w);
    const taker = await makeViewer(ctx, w);
    const grant = await grantAccess(ctx, w, taker.user.id, [rec.id], 'copy');
    const made = (await taker.session.request('POST', `/api/recordings/${rec.id}/copies`, { kind: 'original' })).json() as Made;

    const cases: [string, typeof taker.session, string, string, unknown, number][] = [
      ['view-only grant: copy', viewOnly.session, 'POST', `/api/recordings/${rec.id}/copies`, { kind: 'original' }, 404],
      ['view-only grant: watermarked copy', viewOnly.session, 'POST', `/api/recordings/${rec.id}/copies`, { kind: 'watermarked-proxy' }, 404],
      ['no grant: copy', none.session, 'POST', `/api/recordings/${rec.id}/copies`, { kind: 'original' }, 404],
      ['someone else’s receipt', viewOnly.session, 'GET', `/api/copies/${made.statement.receiptId}`, undefined, 404],
      ['someone else’s file', viewOnly.session, 'GET', made.downloadUrl, undefined, 404],
      ['unknown kind', taker.session, 'POST', `/api/recordings/${rec.id}/copies`, { kind: 'raw' }, 400],
    ];
    for (const [what, s, method, url, body, status] of cases) {
      const r = await s.request(method, url, body);
      expect([what, r.statusCode]).toEqual([what, status]);
      expect(r.rawPayload.includes(ORIGINAL.subarray(0, 32))).toBe(false);
    }
    // Revoked: the taker's own file is no longer served either.
    await revokeGrant(ctx, w, grant);
    const after = await taker.session.request('GET', made.downloadUrl);
    expect(after.statusCode).toBe(404);
    expect(after.rawPayload.includes(ORIGINAL.subarray(0, 32))).toBe(false);
    expect(await copiesOf(grant)).toBe(1);
  });
});
