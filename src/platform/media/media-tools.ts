import { spawn } from 'node:child_process';
import path from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffprobeInstaller from '@ffprobe-installer/ffprobe';
import { AppError } from '../errors/error-catalog.ts';

/** The static ffmpeg (2018 build: libx264, libx265, aac) installed with the app. */
export const ffmpegPath: string = ffmpegInstaller.path;
/** The static ffprobe (2023 build) installed with the app. */
export const ffprobePath: string = ffprobeInstaller.path;

export type MediaTool = 'ffmpeg' | 'ffprobe';

export interface RunToolOptions {
  /** Kill the tool (SIGKILL) after this long and throw MEDIA_TIMEOUT: a corrupt file must not hang a job. */
  timeoutMs: number;
  /** Cancels the run (the job was cancelled); the tool is killed. */
  signal?: AbortSignal;
  /** Paths to shorten to their base name in error messages (no server paths in user-facing text). */
  redactPaths?: string[];
}

export interface RunToolResult {
  stdout: string;
  /** The last stderr lines (with `-v error`: the errors and warnings ffmpeg reported). */
  stderrLines: string[];
}

const STDERR_LINES_KEPT = 20;
const STDOUT_MAX_BYTES = 32 << 20;

/**
 * An input or output path for ffmpeg/ffprobe. The `file:` prefix makes ffmpeg treat the name as a plain
 * file: without it a name like `concat:a|b`, `http://…` or `-x` would pick a protocol or an option.
 */
export function ffmpegFileArg(filePath: string): string {
  return `file:${path.resolve(filePath)}`;
}

/**
 * Input options every run uses: only local files may be opened, so a crafted playlist cannot make
 * ffmpeg fetch URLs (SSRF) or open sockets.
 */
export const SAFE_INPUT_ARGS = ['-protocol_whitelist', 'file'] as const;

/**
 * Runs ffmpeg or ffprobe with an argument array (never a shell), stdin closed (ffmpeg otherwise waits
 * for keys), a hard timeout, and errors that carry ffmpeg's own last stderr lines.
 * Throws MEDIA_TOOL_FAILED (non-zero exit, cannot start) or MEDIA_TIMEOUT.
 */
export function runTool(tool: MediaTool, args: readonly string[], options: RunToolOptions): Promise<RunToolResult> {
  const binary = tool === 'ffmpeg' ? ffmpegPath : ffprobePath;
  const redact = (text: string) =>
    (options.redactPaths ?? []).reduce((t, p) => t.split(path.resolve(p)).join(path.basename(p)), text);
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrRest = '';
    const stderrLines: string[] = [];
    let settled = false;

    const finish = (error: Error | undefined, result?: RunToolResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(result!);
    };
    const lastLines = () => [...stderrLines, stderrRest].filter((l) => l.trim() !== '').slice(-STDERR_LINES_KEPT).map(redact);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new AppError('MEDIA_TIMEOUT', { tool, seconds: Math.round(options.timeoutMs / 1000), stderr: lastLines().join('\n') }));
    }, options.timeoutMs);
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error(`${tool} cancelled`));
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= STDOUT_MAX_BYTES) stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const parts = (stderrRest + chunk).split(/\r?\n|\r/);
      stderrRest = parts.pop() ?? '';
      stderrLines.push(...parts);
      if (stderrLines.length > STDERR_LINES_KEPT) stderrLines.splice(0, stderrLines.length - STDERR_LINES_KEPT);
    });
    child.on('error', (error) => {
      finish(Object.assign(new AppError('MEDIA_TOOL_FAILED', { tool, detail: `cannot start ${binary}: ${error.message}` }), { cause: error }));
    });
    child.on('close', (code, signal) => {
      const lines = lastLines();
      if (code === 0) return finish(undefined, { stdout: Buffer.concat(stdout).toString('utf8'), stderrLines: lines });
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      finish(new AppError('MEDIA_TOOL_FAILED', { tool, detail: `${how}: ${lines.slice(-5).join(' | ') || '(no output)'}`, stderr: lines.join('\n') }));
    });
  });
}
