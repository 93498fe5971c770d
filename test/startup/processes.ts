import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Process helpers for the start-up tests: they look at /proc, so a zombie (a dead process nobody
 * reaped yet — containers often have no reaping init) counts as gone, and a pid is checked, never a name.
 */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Direct children of a process. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process and all its descendants, as they are now. */
export function processTree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(processTree)];
}

/** The command line of a process (for messages). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
}

/** The postmaster's pid from a cluster folder's postmaster.pid, if it is there. */
export function postmasterPid(clusterDir: string): number | undefined {
  const f = path.join(clusterDir, 'postmaster.pid');
  return existsSync(f) ? Number(readFileSync(f, 'utf8').split('\n')[0]) : undefined;
}

/** Polls until `check` holds; fails with `what` after a generous bound (a loaded CI machine is slow). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, boundMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > boundMs) throw new Error(`still waiting after ${boundMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A started server process (npm start, or the CLI) with its combined output and its separate stdout. */
export class Started {
  out = '';
  stdout = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d) => {
      this.out += d;
      this.stdout += d;
    });
    proc.stderr!.on('data', (d) => (this.out += d));
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  }
  static spawn(cmd: string, args: string[], cwd: string, env: Record<string, string>): Started {
    return new Started(spawn(cmd, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env } }));
  }
  /** Waits until GET url/api/health answers 200 (or fails when the process exits first). */
  async healthy(url: string, boundMs = 120_000): Promise<void> {
    await waitFor(`health of ${url}; output so far:\n${this.out}`, async () => {
      if (this.proc.exitCode !== null) throw new Error(`exited ${this.proc.exitCode} before it was healthy:\n${this.out}`);
      return fetch(`${url}/api/health`).then((r) => r.status === 200, () => false);
    }, boundMs);
  }
}
