import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * One policy for tests that need privileges (issue 7 §6): a test that needs root, or a small tmpfs to fill
 * (a full disk), runs where it can and otherwise is SKIPPED with a printed reason — it never fails for
 * lack of privileges, and never passes without having run. Use as `describe.runIf(needs('tmpfs', '…'))`.
 */

const isRoot = process.getuid?.() === 0;

/** Whether a 1 MiB tmpfs can be mounted here (root with CAP_SYS_ADMIN, mount available), tried once. */
function tmpfsWorks(): { ok: true } | { ok: false; why: string } {
  if (!isRoot) return { ok: false, why: 'not running as root' };
  const dir = mkdtempSync(path.join(tmpdir(), 'quanlu-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `cannot mount a tmpfs (needs CAP_SYS_ADMIN): ${String(e).split('\n')[0]}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let tmpfs: ReturnType<typeof tmpfsWorks> | undefined;

/**
 * True when this process has what `what` needs; otherwise prints `SKIPPED <what>: <reason>` (once per
 * call, so each skipped test says why in the run's output) and returns false.
 */
export function needs(need: 'root' | 'tmpfs', what: string): boolean {
  const r = need === 'root' ? (isRoot ? { ok: true as const } : { ok: false as const, why: 'not running as root' }) : (tmpfs ??= tmpfsWorks());
  if (!r.ok) console.warn(`SKIPPED ${what}: needs ${need} — ${r.why}`);
  return r.ok;
}

/** Mounts a tmpfs of `size` (e.g. `24m`) on `dir`; call only where needs('tmpfs', …) said yes. */
export function mountTmpfs(dir: string, size: string): { unmount(): void } {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  return { unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }) };
}
