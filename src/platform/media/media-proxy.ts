import { rm } from 'node:fs/promises';
import { AppError } from '../errors/error-catalog.ts';
import { probe, type ProbeResult } from './media-probe.ts';
import { ffmpegFileArg, runTool, SAFE_INPUT_ARGS } from './media-tools.ts';

export interface ProxyOptions {
  /** Longest side of the proxy at most (default 1280) … */
  maxLongSide?: number;
  /** … and shortest side at most (default 720): "720p" for landscape and portrait alike. */
  maxShortSide?: number;
  /** x264 quality (default 23; lower is better and bigger). */
  crf?: number;
  /** Default: 60 s plus 3 s per second of input (encoding runs ~5× real time on 2 cores). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The input's probe, when the caller already has it. */
  input?: ProbeResult;
}

export interface ProxyResult {
  kind: 'video' | 'audio';
  /** `video/mp4` (H.264 + AAC) or `audio/mp4` (AAC, an .m4a). */
  mimeType: 'video/mp4' | 'audio/mp4';
  /** ffprobe of the proxy that was written. */
  output: ProbeResult;
  /**
   * False when the proxy is noticeably shorter than the input claims to be — typically a file cut off
   * after its index was written: ffmpeg converts what is there and exits successfully.
   */
  complete: boolean;
  /** What ffmpeg reported while decoding (damaged frames, "partial file"…); empty for a clean input. */
  warnings: string[];
}

/**
 * Makes a browser-playable copy of a video or audio original (a derived file; the original is not
 * touched): H.264 (libx264, yuv420p, preset veryfast) + AAC in an MP4 with the index at the front
 * (`+faststart`, so playback starts before the download ends), scaled down to 720p keeping the aspect
 * ratio with even dimensions (yuv420p needs them); audio-only inputs give an AAC .m4a. The output is
 * written at `outputPath` (whatever its extension) and removed again if ffmpeg fails.
 * Throws MEDIA_UNREADABLE, MEDIA_UNSUPPORTED (image/unknown), MEDIA_TOOL_FAILED, MEDIA_TIMEOUT.
 */
export async function makeProxy(inputPath: string, outputPath: string, options: ProxyOptions = {}): Promise<ProxyResult> {
  const info = options.input ?? (await probe(inputPath, { signal: options.signal }));
  if (info.kind !== 'video' && info.kind !== 'audio') {
    throw new AppError('MEDIA_UNSUPPORTED', { reason: `a ${info.kind} file has no playable copy` });
  }
  const args = proxyArgs(inputPath, outputPath, info, options);
  const timeoutMs = options.timeoutMs ?? 60_000 + 3_000 * (info.durationSec ?? 600);
  try {
    const { stderrLines } = await runTool('ffmpeg', args, { timeoutMs, signal: options.signal, redactPaths: [inputPath, outputPath] });
    const output = await probe(outputPath, { signal: options.signal });
    const expected = info.durationSec;
    const got = output.durationSec ?? 0;
    const complete = expected === undefined || got >= expected - Math.max(0.5, expected * 0.02);
    return { kind: info.kind, mimeType: info.kind === 'video' ? 'video/mp4' : 'audio/mp4', output, complete, warnings: stderrLines };
  } catch (error) {
    await rm(outputPath, { force: true });
    throw error;
  }
}

/** The ffmpeg arguments for a proxy (pure, so the choices can be read and tested in one place). */
export function proxyArgs(inputPath: string, outputPath: string, info: ProbeResult, options: ProxyOptions = {}): string[] {
  const input = ['-nostdin', '-y', '-v', 'error', ...SAFE_INPUT_ARGS, '-i', ffmpegFileArg(inputPath)];
  // Browsers and small proxies: at most stereo.
  const audio = ['-c:a', 'aac', '-b:a', '128k', ...((info.audio?.channels ?? 0) > 2 ? ['-ac', '2'] : [])];
  // Old ffmpeg builds fail with "Too many packets buffered" on sparse streams without a larger queue.
  const output = ['-max_muxing_queue_size', '1024', '-movflags', '+faststart', '-f', 'mp4', ffmpegFileArg(outputPath)];
  if (info.kind === 'audio') return [...input, '-map', '0:a:0', '-vn', ...audio, ...output];
  const long = options.maxLongSide ?? 1280;
  const short = options.maxShortSide ?? 720;
  // iw/ih are after ffmpeg's automatic rotation; iw*sar is the displayed width of non-square pixels.
  const scale = `min(1,min(${long}/max(iw*sar,ih),${short}/min(iw*sar,ih)))`;
  const filter = `scale=w='2*trunc(iw*sar*${scale}/2)':h='2*trunc(ih*${scale}/2)',setsar=1`;
  return [
    ...input,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-vf', filter,
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(options.crf ?? 23), '-pix_fmt', 'yuv420p',
    ...audio,
    ...output,
  ];
}
