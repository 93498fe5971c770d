import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../src/platform/media/media-tools.ts';

const run = promisify(execFile);

/** Makes a small test clip with ffmpeg (testsrc video + sine audio). */
export async function makeClip(out: string, o: { seconds?: number; codec?: 'h264' | 'h265' | 'mpeg4'; size?: string } = {}): Promise<string> {
  const codec = { h264: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'], h265: ['-c:v', 'libx265', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error'], mpeg4: ['-c:v', 'mpeg4'] }[o.codec ?? 'h264'];
  await run(ffmpegPath, [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=${o.size ?? '320x240'}:rate=25`,
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', String(o.seconds ?? 1),
    ...codec, '-preset', 'ultrafast',
    '-c:a', o.codec === 'mpeg4' ? 'mp3' : 'aac',
    out,
  ].filter((a) => !(o.codec === 'mpeg4' && a === '-preset') && !(o.codec === 'mpeg4' && a === 'ultrafast')));
  return out;
}
