import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { expect, test } from 'vitest';
import { repoRoot } from '../support/cli.ts';

/**
 * Issue 7 §6: every package the code imports is declared in package.json. The web UI imported
 * `@ant-design/icons` that only antd's own dependency brought in: a clean install with another antd
 * could have dropped it. Imports are read with TypeScript's own pre-processor (static, dynamic and
 * side-effect imports, `export … from`), not with a regular expression.
 */

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: object; devDependencies?: object };
const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`). */
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(packageOf(spec));

/** Bare imports of each source file under these folders. */
function bareImports(folders: string[]): Map<string, string[]> {
  const byPackage = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(?:[cm]?[jt]s|tsx|jsx)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
        for (const f of ts.preProcessFile(readFileSync(p, 'utf8'), true, true).importedFiles) {
          if (f.fileName.startsWith('.') || f.fileName.startsWith('/') || isBuiltin(f.fileName)) continue;
          const name = packageOf(f.fileName);
          byPackage.set(name, [...(byPackage.get(name) ?? []), path.relative(repoRoot, p)]);
        }
      }
    }
  };
  for (const f of folders) walk(path.join(repoRoot, f));
  return byPackage;
}

test('the scan sees the imports (it would pass vacuously otherwise)', () => {
  const found = bareImports(['src', 'web', 'test', 'bench', 'bin']);
  expect([...found.keys()]).toEqual(expect.arrayContaining(['fastify', 'kysely', 'react', 'antd', '@ant-design/icons', 'vitest']));
});

test('every package imported by src, web, test, bench and bin is declared in package.json', () => {
  const undeclared = [...bareImports(['src', 'web', 'test', 'bench', 'bin'])].filter(([name]) => !declared.has(name)).map(([name, files]) => `${name} (${files[0]})`);
  expect(undeclared).toEqual([]);
});
