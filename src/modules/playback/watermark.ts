import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { ffmpegFileArg, runTool, SAFE_INPUT_ARGS } from '../../platform/media/media-tools.ts';

/**
 * CJK fonts looked for, in order (Debian packages fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei). The
 * bundled ffmpeg (2018 static build) has `drawtext` with libfreetype, so a font file is all it needs; a .ttc
 * collection is read at face 0, which holds the Chinese glyphs.
 */
export const CJK_FONT_CANDIDATES = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
];

/** The first CJK font present, or undefined. */
export function findCjkFont(candidates = CJK_FONT_CANDIDATES): string | undefined {
  return candidates.find((f) => existsSync(f));
}

/**
 * A path inside a filter-graph option. The graph and then the option parser each unescape, so rather than
 * escaping twice only plain path characters are let through (our own temp files and the system font folders).
 */
function filterPath(p: string): string {
  if (!/^[A-Za-z0-9_./-]+$/.test(p)) throw new AppError('MEDIA_TOOL_FAILED', { tool: 'ffmpeg', detail: 'watermark font or text path has characters the filter syntax would misread' });
  return p;
}

/**
 * Writes `output`: the video `input` with `text` burned in (第二十条: a copy names who took it and when), moving
 * across the picture (a fixed corner could be cropped away), semi-transparent with a dark outline so it reads on
 * light and dark footage. Audio is copied. The text goes through a file (`textfile`), so no character of a name
 * can break the filter syntax. Throws WATERMARK_FONT_MISSING, MEDIA_TOOL_FAILED, MEDIA_TIMEOUT.
 */
export async function burnInWatermark(input: string, output: string, text: string, o: { durationSec?: number | null; font?: string } = {}): Promise<void> {
  const font = o.font ?? findCjkFont();
  if (!font) throw new AppError('WATERMARK_FONT_MISSING');
  const textFile = path.join(tmpdir(), `quanlu-watermark-${randomBytes(8).toString('hex')}.txt`);
  const draw = [
    `fontfile=${filterPath(font)}`,
    `textfile=${filterPath(textFile)}`,
    'fontsize=h/18',
    'fontcolor=white@0.55',
    'borderw=2',
    'bordercolor=black@0.45',
    // Crosses the frame diagonally, bouncing off the edges (triangle waves of different periods).
    "x='abs(mod(t*53,2*(w-tw))-(w-tw))'",
    "y='abs(mod(t*31,2*(h-th))-(h-th))'",
  ].join(':');
  await writeFile(textFile, text, { mode: 0o600 });
  const args = [
    '-nostdin', '-y', '-v', 'error', ...SAFE_INPUT_ARGS, '-i', ffmpegFileArg(input),
    '-map', '0:v:0', '-map', '0:a:0?',
    '-vf', `drawtext=${draw}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-c:a', 'copy',
    '-movflags', '+faststart', '-f', 'mp4', ffmpegFileArg(output),
  ];
  try {
    await runTool('ffmpeg', args, { timeoutMs: 60_000 + 3_000 * (o.durationSec ?? 600), redactPaths: [input, output, textFile] });
  } catch (e) {
    await rm(output, { force: true });
    throw e;
  } finally {
    await rm(textFile, { force: true });
  }
}
