import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot } from '../support/cli.ts';

/**
 * Issue 7 §5: SQL only in repositories. Feature modules, the CLI and the composition roots run queries only
 * from `*.repository.ts` files (services hold the rules, routes parse and shape). A query is a Kysely query
 * builder start or a raw SQL statement; composing a condition fragment (`sql\`(a OR b)\``) is not a query.
 * Shared machinery in src/platform (the audit chain, migrations, the job runner) keeps its own SQL.
 */

const QUERY_PATTERNS: [string, RegExp][] = [
  ['query builder', /\.(?:selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(/],
  ['raw statement', /\bsql(?:<[^>`]*>)?`\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH|LOCK|TRUNCATE|MERGE|CALL)\b/i],
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const checked = ['src/modules', 'src/cli', 'src/app'].flatMap((d) => filesUnder(path.join(repoRoot, d)));

test('the scan finds the repositories and their queries (it would pass vacuously otherwise)', () => {
  const repos = checked.filter((f) => f.endsWith('.repository.ts'));
  const withQueries = repos.filter((f) => QUERY_PATTERNS.some(([, re]) => re.test(readFileSync(f, 'utf8'))));
  expect(withQueries.length).toBeGreaterThan(10);
});

test('no query outside a repository in src/modules, src/cli and src/app', () => {
  const offences = checked
    .filter((f) => !f.endsWith('.repository.ts'))
    .flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return QUERY_PATTERNS.flatMap(([kind, re]) => {
        const m = new RegExp(re.source, `${re.flags}g`).exec(text);
        return m ? [`${path.relative(repoRoot, f)}:${text.slice(0, m.index).split('\n').length} ${kind}: ${m[0]}`] : [];
      });
    });
  expect(offences).toEqual([]);
});
