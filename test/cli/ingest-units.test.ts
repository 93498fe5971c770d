import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Person } from '../../src/cli/ingest/api-client.ts';
import { mayClear } from '../../src/cli/ingest/clear-device.ts';
import { IngestStop } from '../../src/cli/ingest/ingest-errors.ts';
import { parseIngestOptions } from '../../src/cli/ingest/ingest-options.ts';
import { ProgressReporter } from '../../src/cli/ingest/progress.ts';
import type { FileRecord } from '../../src/cli/ingest/receipt.ts';
import { planMetadata, type OfficerResolver } from '../../src/cli/ingest/recording-metadata.ts';
import { walkMedia } from '../../src/cli/ingest/walk.ts';

let work: string;
let card: string;
const state = () => path.join(work, 'state');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'quanlu-ingest-unit-'));
  card = path.join(work, 'card');
  await mkdir(path.join(card, 'DCIM', '.thumbs'), { recursive: true });
  await mkdir(path.join(work, 'elsewhere'));
  for (const f of ['DCIM/B.MP4', 'DCIM/a.jpeg', 'DCIM/c.Wav', 'DCIM/notes.txt', 'DCIM/.hidden.mp4', 'DCIM/.thumbs/t.jpg', 'HK0001-000321-20261127120000.MTS']) {
    await writeFile(path.join(card, f), 'x');
  }
  await writeFile(path.join(work, 'elsewhere', 'outside.mp4'), 'x');
  await symlink(path.join(work, 'elsewhere'), path.join(card, 'link-dir'));
  await symlink(path.join(work, 'elsewhere', 'outside.mp4'), path.join(card, 'link.mp4'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const stop = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(IngestStop);
  return e as IngestStop;
};

describe('walkMedia', () => {
  test('finds media by extension in any case, sorted; skips hidden entries, other files and symbolic links', async () => {
    const sut = await walkMedia(card);
    expect(sut.files.map((f) => f.relPath)).toEqual(['DCIM/B.MP4', 'DCIM/a.jpeg', 'DCIM/c.Wav', 'HK0001-000321-20261127120000.MTS']);
    expect(sut.problems).toEqual([]);
  });
});

describe('parseIngestOptions', () => {
  test('defaults: activity other, party informed not applicable, concurrency 3, receipts in the current folder', async () => {
    const sut = await parseIngestOptions(card, { server: 'https://q.example/', device: 'DSJ1' }, state(), work);
    expect(sut).toMatchObject({ server: 'https://q.example', activity: 'other', partyInformed: 'not_applicable', concurrency: 3, receiptDir: work, clear: false, dryRun: false });
  });

  test('refuses, with exit 2: state or receipts on the card, a bad pattern, "not informed" without a reason, a bad concurrency', async () => {
    const base = { server: 'http://127.0.0.1:1', device: 'DSJ1' };
    expect((await stop(parseIngestOptions(card, base, path.join(card, 'state'), work))).en).toContain('QUANLU_STATE_DIR');
    expect((await stop(parseIngestOptions(card, { ...base, receiptDir: 'DCIM' }, state(), card))).exitCode).toBe(2);
    expect((await stop(parseIngestOptions(card, { ...base, pattern: ['bad=(?<x'] }, state(), work))).en).toContain('bad');
    expect((await stop(parseIngestOptions(card, { ...base, pattern: ['no-equals'] }, state(), work))).en).toContain('NAME=REGEX');
    expect((await stop(parseIngestOptions(card, { ...base, partyInformed: 'no' }, state(), work))).en).toContain('--party-informed-reason');
    expect((await stop(parseIngestOptions(card, { ...base, concurrency: '0' }, state(), work))).en).toContain('--concurrency');
    expect((await stop(parseIngestOptions(path.join(work, 'missing'), base, state(), work))).en).toContain('does not exist');
  });
});

describe('planMetadata', () => {
  const person: Person = { id: '0f6c1c9e-8a55-4a8e-9d43-3f7e6f0b2a11', name: '王五', staffNumber: '000321', departmentId: '5d0f7a4e-2c4b-4f7e-8f57-1b2d3c4e5f60', departmentName: '支队' };
  // The server is the outside boundary here: a resolver that knows one staff number.
  const officers = { byStaffNumber: async (no: string) => (no === '000321' ? person : undefined) } as unknown as OfficerResolver;

  test('an agency --pattern parses device, officer and start; a device differing from --device is noted', async () => {
    const o = await parseIngestOptions(card, { server: 'http://x', device: 'DSJ1', pattern: ['hik=^(?<device>HK\\d{4})-(?<officer>\\d{6})-(?<start>\\d{14})\\.'] }, state(), work);
    const file = (await walkMedia(card)).files.find((f) => f.relPath.startsWith('HK'))!;
    const sut = await planMetadata(file, o, officers, undefined);
    expect(sut).toMatchObject({ ok: true, metadata: { deviceNumber: 'HK0001', officerIds: [person.id], departmentId: person.departmentId, recordedStart: '2026-11-27T04:00:00.000Z' } });
    expect(sut.ok && sut.notes[0]).toContain('--device DSJ1');
  });

  test('no officer number in the name and no --officer: skipped with the reason; --officer and the file time fill in', async () => {
    const o = await parseIngestOptions(card, { server: 'http://x', device: 'DSJ1', department: '7a0e8f43-1c2d-4b5e-8f6a-9b0c1d2e3f40' }, state(), work);
    const file = (await walkMedia(card)).files.find((f) => f.relPath === 'DCIM/B.MP4')!;
    await utimes(file.path, new Date('2026-11-27T03:00:00Z'), new Date('2026-11-27T03:00:00Z'));
    const fixed = { ...file, mtimeMs: Date.parse('2026-11-27T03:00:00Z') };
    expect(await planMetadata(fixed, o, officers, undefined)).toMatchObject({ ok: false, reason: expect.stringContaining('--officer') });
    const sut = await planMetadata(fixed, o, officers, person);
    expect(sut).toMatchObject({ ok: true, metadata: { deviceNumber: 'DSJ1', departmentId: '7a0e8f43-1c2d-4b5e-8f6a-9b0c1d2e3f40', recordedStart: '2026-11-27T03:00:00.000Z' }, summary: { recordedStartFrom: 'mtime' } });
  });
});

describe('mayClear', () => {
  const rec = (o: Partial<FileRecord>): FileRecord => ({ path: '/c/a.mp4', relPath: 'a.mp4', sizeBytes: 1, mtimeMs: 1, state: 'uploaded', verified: true, cleared: false, sha256: 'a', sm3: 'b', server: { sha256: 'a', sm3: 'b' }, ...o });
  test('only files on the server whose both hashes the server confirmed', () => {
    expect(mayClear(rec({}))).toBe(true);
    expect(mayClear(rec({ state: 'already_stored' }))).toBe(true);
    expect(mayClear(rec({ state: 'failed' }))).toBe(false);
    expect(mayClear(rec({ state: 'skipped' }))).toBe(false);
    expect(mayClear(rec({ state: 'would_upload' }))).toBe(false);
    expect(mayClear(rec({ verified: false }))).toBe(false);
    expect(mayClear(rec({ server: { sha256: 'a', sm3: 'c' } }))).toBe(false);
    expect(mayClear(rec({ server: undefined }))).toBe(false);
  });
});

describe('ProgressReporter', () => {
  test('prints a file’s percent at most every two seconds', () => {
    let now = 0;
    let out = '';
    const sut = new ProgressReporter({ write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream, 1, () => now);
    sut.started(0, 'a.mp4', 100);
    for (now = 0; now <= 5_000; now += 100) sut.progress(0, 'a.mp4', now / 50, 100);
    expect(out.match(/%/g)).toHaveLength(2);
  });
});
