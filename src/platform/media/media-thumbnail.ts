import { rm, stat } from 'node:fs/promises';
import { AppError } from '../errors/error-catalog.ts';
import { probe, type ProbeResult } from './media-probe.ts';
import { ffmpegFileArg, runTool, SAFE_INPUT_ARGS } from './media-tools.ts';
import { readExif } from './photo-exif.ts';

export interface ThumbnailOptions {
  /** Width in pixels (default 320); smaller inputs are not enlarged. */
  width?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The input's probe, when the caller already has it. */
  input?: ProbeResult;
}

export interface ThumbnailResult {
  mimeType: 'image/jpeg';
  width: number;
  height: number;
}

/**
 * ffmpeg (2018) ignores the EXIF orientation of photos, so a portrait phone photo would come out lying
 * on its side; these filters turn it upright (EXIF orientation 2–8).
 */
const ORIENTATION_FILTERS: Record<number, string> = {
  2: 'hflip',
  3: 'hflip,vflip',
  4: 'vflip',
  5: 'transpose=0',
  6: 'transpose=1',
  7: 'transpose=3',
  8: 'transpose=2',
};

/**
 * Writes a JPEG thumbnail (~320 px wide) of a video (the frame at 1 s, or the first frame of a clip
 * shorter than 2 s — the first frames of body-camera clips are often dark or blurred) or of a photo
 * (a scaled copy, turned upright). Audio has no picture: MEDIA_UNSUPPORTED.
 */
export async function makeThumbnail(inputPath: string, outputPath: string, options: ThumbnailOptions = {}): Promise<ThumbnailResult> {
  const info = options.input ?? (await probe(inputPath, { signal: options.signal }));
  if (info.kind !== 'video' && info.kind !== 'image') throw new AppError('MEDIA_UNSUPPORTED', { reason: `a ${info.kind} file has no picture` });
  const width = options.width ?? 320;
  const orientation = info.kind === 'image' ? (await readExif(inputPath).catch(() => undefined))?.orientation : undefined;
  const turn = orientation ? ORIENTATION_FILTERS[orientation] : undefined;
  const displayWidth = `min(${width},iw*sar)`;
  const filters = [turn, `scale=w='${displayWidth}':h='2*trunc(${displayWidth}*ih/(iw*sar)/2)'`, 'setsar=1'].filter(Boolean).join(',');
  const seek = info.kind === 'video' && (info.durationSec ?? 0) >= 2 ? 1 : 0;
  const run = (seconds: number) =>
    runTool(
      'ffmpeg',
      [
        '-nostdin', '-y', '-v', 'error', ...SAFE_INPUT_ARGS,
        // -ss before -i seeks by index (fast) instead of decoding the first second.
        ...(seconds > 0 ? ['-ss', String(seconds)] : []),
        '-i', ffmpegFileArg(inputPath),
        '-map', '0:v:0', '-frames:v', '1', '-vf', filters,
        '-q:v', '4', '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-f', 'image2', '-update', '1', ffmpegFileArg(outputPath),
      ],
      { timeoutMs: options.timeoutMs ?? 60_000, signal: options.signal, redactPaths: [inputPath, outputPath] },
    );
  try {
    await run(seek);
    // A seek past the last decodable frame (damaged or oddly indexed file) writes nothing: use frame one.
    if (seek > 0 && !(await nonEmpty(outputPath))) await run(0);
    if (!(await nonEmpty(outputPath))) throw new AppError('MEDIA_TOOL_FAILED', { tool: 'ffmpeg', detail: 'no frame could be decoded for the thumbnail' });
    const out = await probe(outputPath, { signal: options.signal });
    return { mimeType: 'image/jpeg', width: out.video?.width ?? 0, height: out.video?.height ?? 0 };
  } catch (error) {
    await rm(outputPath, { force: true });
    throw error;
  }
}

async function nonEmpty(filePath: string): Promise<boolean> {
  return (await stat(filePath).catch(() => undefined))?.size ? true : false;
}
