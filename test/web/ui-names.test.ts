import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { jobCatalog } from '../../src/app/jobs.ts';
import { en } from '../../web/src/i18n/dictionary-en.ts';
import { zh } from '../../web/src/i18n/dictionary-zh.ts';
import { repoRoot } from '../support/cli.ts';

/**
 * Issue 6 item 26: the jobs page showed `uploads.sweep` as it is spelled in code. Every job the
 * server runs, every job state and every audit action the server writes has a name in Chinese and
 * in English, so no screen shows a code where a word belongs.
 */

const zhDict: Record<string, string> = zh;
const enDict: Record<string, string> = en;
const CJK = /[\u3400-\u9fff]/;

/** The audit actions written by the server: every `action: '…'` literal outside tests. */
function auditActionsInSource(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/\baction: '([a-z_]+(?:\.[a-z_]+)+)'/g)) found.add(m[1]!);
      }
    }
  };
  walk(path.join(repoRoot, 'src'));
  return [...found].sort();
}

describe('names shown instead of codes', () => {
  test('the job catalog is what this test expects (a new job needs its names below)', () => {
    expect(Object.keys(jobCatalog).sort()).toEqual([
      'case-files.sweep-orphans',
      'evidence-package.build',
      'fixity.prune',
      'fixity.run',
      'fixity.slice',
      'jobs.prune',
      'media.build',
      'media.checkRound',
      'media.process',
      'playback.sweep',
      'retention.daily',
      'retention.sync',
      'sessions.purge',
      'tlog.tick',
      'uploads.sweep',
    ]);
  });

  test.each(Object.keys(jobCatalog))('job %s has a Chinese and an English name', (kind) => {
    expect(zhDict[`jobKind.${kind}`]).toMatch(CJK);
    expect(enDict[`jobKind.${kind}`]).toMatch(/^[A-Z][\x20-\x7e]+$/);
  });

  test.each(['queued', 'running', 'done', 'failed'])('job state %s has a Chinese and an English name', (state) => {
    expect(zhDict[`jobState.${state}`]).toMatch(CJK);
    expect(enDict[`jobState.${state}`]).toMatch(/^[A-Z]/);
  });

  test('the source scan finds the audit actions (it would pass vacuously otherwise)', () => {
    expect(auditActionsInSource()).toEqual(expect.arrayContaining(['recording.update', 'person.create', 'upload.expired']));
  });

  test.each(auditActionsInSource())('audit action %s has a label in both languages', (action) => {
    expect(zhDict[`action.${action}`]).toMatch(CJK);
    expect(enDict[`action.${action}`]).toMatch(/^[A-Z]/);
  });
});
