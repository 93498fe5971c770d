import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = path.join(root, 'web');
const builtIndex = path.join(webDir, 'dist', 'index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the web UI has never been built or its sources changed since. */
export function webBuildIsStale(): boolean {
  if (!existsSync(path.join(webDir, 'src'))) return false;
  if (!existsSync(builtIndex)) return true;
  const configs = ['index.html', 'vite.config.ts', 'tsconfig.json'].map((f) => path.join(webDir, f)).filter(existsSync);
  const sources = Math.max(newestMtime(path.join(webDir, 'src')), ...configs.map((f) => statSync(f).mtimeMs));
  return sources > statSync(builtIndex).mtimeMs;
}

/** Builds the web UI with Vite (run as `node vite.js`, never through npx). */
export async function buildWeb(log: (m: string) => void = console.log): Promise<void> {
  log('building the web UI (vite)…');
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, [vite, 'build', '--config', path.join(webDir, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit',
      // A production build even when started from the test runner (which sets NODE_ENV=test).
      env: { ...process.env, NODE_ENV: 'production' },
    });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`web build failed (exit ${code})`))));
    p.on('error', reject);
  });
}
