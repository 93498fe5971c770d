import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ffmpegPath } from '../../src/platform/media/media-tools.ts';
import { repoRoot } from '../support/cli.ts';
import { login } from '../support/harness.ts';

const run = promisify(execFile);

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `quanlu …` (bin/quanlu.mjs) as the operator would, in `cwd`, with only the given environment. */
export function spawnCli(args: string[], env: Record<string, string>, o: { cwd?: string; timeoutMs?: number } = {}): CliRun {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/quanlu.mjs'), ...args], {
    cwd: o.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const t = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 90_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(t);
      // 'exit' can fire before the pipes are drained; 'close' comes after both.
      child.on('close', () => resolve({ code, signal, stdout, stderr }));
    });
  });
  return { child, done };
}

/** Runs the CLI to the end. */
export const runIngestCli = (args: string[], env: Record<string, string>, o: { cwd?: string } = {}) => spawnCli(['ingest', ...args], env, o).done;

/** A small JPEG (one testsrc frame). */
export async function makePhoto(out: string): Promise<string> {
  await run(ffmpegPath, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120', '-frames:v', '1', out]);
  return out;
}

/** A one-second WAV tone of the given pitch. */
export async function makeTone(out: string, hz = 440): Promise<string> {
  await run(ffmpegPath, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${hz}`, '-t', '1', out]);
  return out;
}

/** A file of random bytes, written in 4 MiB pieces. */
export async function makeRandomFile(out: string, bytes: number): Promise<string> {
  const w = createWriteStream(out);
  for (let left = bytes; left > 0; left -= 4 << 20) {
    if (!w.write(randomBytes(Math.min(left, 4 << 20)))) await new Promise<void>((r) => w.once('drain', () => r()));
  }
  await new Promise<void>((r) => w.end(r));
  return out;
}

/** SHA-256 and SM3 of a file, computed independently of the code under test. */
export async function digestOf(file: string): Promise<{ sha256: string; sm3: string }> {
  const sha = createHash('sha256');
  const sm3 = createHash('sm3');
  for await (const c of createReadStream(file)) {
    sha.update(c as Buffer);
    sm3.update(c as Buffer);
  }
  return { sha256: sha.digest('hex'), sm3: sm3.digest('hex') };
}

/** A personal API token made through the API by the user, as an operator would in the web UI. */
export async function apiTokenFor(app: FastifyInstance, username: string, password: string): Promise<string> {
  const s = await login(app, username, password);
  const res = await s.request('POST', '/api/api-tokens', { name: '采集站 test', expiresInDays: 1 });
  if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return (res.json() as { token: string }).token;
}

/**
 * A TCP proxy in front of the server that can slow uploads to a crawl, standing in for the slow link
 * of a field office: it counts the bytes going to the server and calls `onBytes` as they pass, so a
 * test can pull the plug part-way through a file.
 */
export class SlowLink {
  bytesUp = 0;
  /** Upload rate in bytes per second; 0 = unlimited. */
  rate = 0;
  onBytes: (total: number) => void = () => undefined;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  constructor(private readonly target: URL) {
    this.#server = net.createServer((client) => this.#pipe(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  #pipe(client: net.Socket) {
    const upstream = net.connect(Number(this.target.port), this.target.hostname);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      this.bytesUp += chunk.length;
      upstream.write(chunk);
      this.onBytes(this.bytesUp);
      if (this.rate > 0) {
        client.pause();
        setTimeout(() => client.resume(), (chunk.length / this.rate) * 1000);
      }
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/**
 * Runs `quanlu …` in a pseudo-terminal (util-linux `script`), answering each prompt as it appears —
 * the interactive login path, which a plain pipe cannot reach. Returns everything the terminal showed.
 */
export function runInTerminal(args: string[], env: Record<string, string>, answers: [prompt: string, reply: string][], o: { cwd?: string } = {}): Promise<{ code: number | null; screen: string }> {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const cmd = [process.execPath, path.join(repoRoot, 'bin/quanlu.mjs'), ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {
    cwd: o.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TERM: 'dumb', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const pending = [...answers];
  const onOutput = (d: Buffer) => {
    screen += d.toString();
    const next = pending[0];
    if (next && screen.includes(next[0])) {
      pending.shift();
      child.stdin!.write(`${next[1]}\r`);
    }
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, screen });
    });
  });
}
