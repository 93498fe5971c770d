import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, login, makeDepartment, makePerson, makeUser, type TestContext } from '../support/harness.ts';
import { makeClip } from '../support/media-fixtures.ts';
import { tusUpload } from '../support/tus-client.ts';

/**
 * Issue 12 §1: recordings' device numbers link to the register; an unknown number is flagged at ingest, never
 * refused. A real tus upload of a real clip, over HTTP.
 */

let ctx: TestContext;
let base: string;
let headers: Record<string, string>;
let custodian: Awaited<ReturnType<typeof login>>;
let departmentId: string;
let personId: string;

beforeAll(async () => {
  ctx = await createTestApp();
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  departmentId = (await makeDepartment(ctx.db)).id;
  personId = (await makePerson(ctx.db, { departmentId, name: '张三' })).id;
  const u = await makeUser(ctx.db, { roles: ['custodian'], departmentId, personId });
  custodian = await login(ctx.app, u.username, u.password);
  headers = { cookie: custodian.cookie, 'x-csrf-token': custodian.csrf };
  expect((await custodian.request('POST', '/api/devices', { deviceNumber: 'DSJ1234567', type: 'body_camera', departmentId })).statusCode).toBe(201);
});
afterAll(() => ctx.close());

const meta = (deviceNumber: string) =>
  JSON.stringify({ departmentId, officerIds: [personId], deviceNumber, recordedStart: '2026-11-27T01:30:12Z', activity: 'patrol', partyInformed: 'not_applicable' });

test('an unregistered device number is stored and flagged; a registered one links to the register', async () => {
  const unknownClip = await makeClip(path.join(ctx.dataDir, 'XYZ9999999_000123_20261127093012.mp4'), { seconds: 1 });
  const knownClip = await makeClip(path.join(ctx.dataDir, 'DSJ1234567_000123_20261127093012.mp4'), { seconds: 2 });
  const unknown = await tusUpload(base, unknownClip, { filename: path.basename(unknownClip), metadata: meta('XYZ9999999') }, headers);
  const known = await tusUpload(base, knownClip, { filename: path.basename(knownClip), metadata: meta('dsj1234567') }, headers);
  expect(unknown.ok, unknown.body).toBe(true);
  expect(known.ok, known.body).toBe(true);
  const unknownId = unknown.headers['X-Recording-Id']!;
  const knownId = known.headers['X-Recording-Id']!;

  const device = (await custodian.request('GET', '/api/devices?q=DSJ1234567')).json().items[0];
  expect((await custodian.request('GET', `/api/recordings/${unknownId}/device-notes`)).json()).toMatchObject({ deviceNumber: 'XYZ9999999', deviceId: null, unknownDevice: true });
  // Registered, but no checkout covers it: linked, and for review (第二十条).
  expect((await custodian.request('GET', `/api/recordings/${knownId}/device-notes`)).json()).toMatchObject({ deviceId: device.id, unknownDevice: false, outsideCheckout: true });
  const review = (await custodian.request('GET', '/api/devices/review')).json().items;
  expect(review.map((i: { recordingId: string; reason: string }) => [i.recordingId, i.reason]).sort()).toEqual(
    [
      [unknownId, 'unknown_device'],
      [knownId, 'outside_checkout'],
    ].sort(),
  );
});
