import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../support/cli.ts';

/**
 * The store's second deletion (ObjectStore.removeUnreferenced, 0028) is called only by the orphan sweep of
 * case-file objects, which first finds under the key's lock that no row references the object.
 */

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const DEFINERS = ['src/platform/storage/object-store.ts', 'src/platform/storage/local-object-store.ts', 'src/platform/storage/s3-object-store.ts'];

test('only the case-file orphan sweep calls removeUnreferenced', () => {
  const callers = filesUnder(path.join(repoRoot, 'src'))
    .map((f) => path.relative(repoRoot, f))
    .filter((f) => !DEFINERS.includes(f) && /\.removeUnreferenced\(/.test(readFileSync(path.join(repoRoot, f), 'utf8')));
  expect(callers).toEqual(['src/modules/case-files/case-file-objects.service.ts']);
});
