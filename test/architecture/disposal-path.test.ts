import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../support/cli.ts';

/**
 * 第二十条: the store's deletion (ObjectStore.deleteForDisposal) is called only by the approved disposal path,
 * src/modules/retention/disposal.service.ts (recordings and case files alike), after its tombstone. The
 * object-store interface says so; this checks it. The store implementations define it and are not callers.
 */

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const DEFINERS = ['src/platform/storage/object-store.ts', 'src/platform/storage/local-object-store.ts', 'src/platform/storage/s3-object-store.ts'];

test('only the disposal service calls the store deletion', () => {
  const callers = filesUnder(path.join(repoRoot, 'src'))
    .map((f) => path.relative(repoRoot, f))
    .filter((f) => !DEFINERS.includes(f) && /\.deleteForDisposal\(/.test(readFileSync(path.join(repoRoot, f), 'utf8')));
  expect(callers).toEqual(['src/modules/retention/disposal.service.ts']);
});
