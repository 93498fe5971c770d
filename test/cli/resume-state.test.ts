import { mkdir, mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { settleUrlStorages, urlStorageFor } from '../../src/cli/ingest/tus-plumbing.ts';

/**
 * The CLI's resume state (tus upload URLs) lives in one JSON file guarded by a lock directory. CI saw a
 * run crash with ELOCKED: the previous run had exited while tus-js-client's fire-and-forget removal of a
 * finished upload still held the lock. A lock left behind is now waited out, and a state write that
 * fails anyway is reported without ending the process.
 */
const entry = (uploadUrl: string) => ({ size: 1, metadata: {}, creationTime: 'now', uploadUrl, urlStorageKey: '', parallelUploadUrls: null });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quanlu-resume-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resume state', () => {
  it('waits out a lock left by a run that ended mid-write, then saves', async () => {
    const file = path.join(dir, 'left-lock.json');
    await mkdir(`${file}.lock`); // what an exit mid-write leaves: a fresh lock directory
    const key = await urlStorageFor(file).addUpload('fp-1', entry('http://x/1'));
    expect(key).toMatch(/^tus::fp-1::/);
    expect(JSON.parse(await readFile(file, 'utf8'))[key]).toMatchObject({ uploadUrl: 'http://x/1' });
  }, 30_000);

  it('a lock another run keeps holding does not end the process: the upload goes on unsaved, with a warning', async () => {
    const file = path.join(dir, 'held-lock.json');
    await mkdir(`${file}.lock`);
    const keepFresh = setInterval(() => void utimes(`${file}.lock`, new Date(), new Date()).catch(() => {}), 500);
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const key = await urlStorageFor(file).addUpload('fp-2', entry('http://x/2'));
      expect(key).toBe('unsaved::fp-2');
      await urlStorageFor(file).removeUpload(key); // nothing to remove: resolves at once
      expect(warn.mock.calls.map((c) => String(c[0])).join('')).toMatch(/could not save the resume state/);
    } finally {
      clearInterval(keepFresh);
      warn.mockRestore();
    }
  }, 60_000);

  it('settleUrlStorages waits for a queued removal to finish', async () => {
    const file = path.join(dir, 'settle.json');
    const s = urlStorageFor(file);
    const key = await s.addUpload('fp-3', entry('http://x/3'));
    void s.removeUpload(key); // as tus-js-client does on success: not awaited
    await settleUrlStorages();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({});
    await expect(readFile(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
