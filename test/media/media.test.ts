import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/platform/errors/error-catalog.ts';
import { withExif } from './exif-fixture.ts';
import { makeProxy, makeThumbnail, probe, readExif, runTool } from '../../src/platform/media/media.ts';

let dir: string;
const clip = (name: string) => path.join(dir, name);
const lavfiVideo = (size: string) => ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=25`, '-f', 'lavfi', '-i', 'sine=frequency=440'];
const ffmpeg = (args: string[]) => runTool('ffmpeg', ['-nostdin', '-y', '-v', 'error', ...args], { timeoutMs: 60_000 });

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

/** Small clips (2 s) of every kind the agency's devices produce, made here with ffmpeg. */
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quanlu-media-'));
  const t2 = ['-t', '2'];
  await Promise.all([
    // default MP4 (index at the end, as cameras write it) with a creation time
    ffmpeg([...lavfiVideo('640x360'), ...t2, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-metadata', 'creation_time=2024-05-01T02:03:04Z', clip('h264.mp4')]),
    ffmpeg([...lavfiVideo('640x360'), ...t2, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-c:a', 'aac', clip('h265.mp4')]),
    // larger than 720p, 4:3, MJPEG + PCM in AVI (older DV-style recorders)
    ffmpeg([...lavfiVideo('1280x960'), ...t2, '-c:v', 'mjpeg', '-q:v', '8', '-c:a', 'pcm_s16le', clip('mjpeg.avi')]),
    // portrait with odd dimensions, VP8 + 5.1 AAC in Matroska
    ffmpeg([...lavfiVideo('241x427'), ...t2, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'aac', '-ac', '6', clip('clip.mkv')]),
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440', ...t2, clip('audio.wav')]),
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x480', '-frames:v', '1', clip('plain.jpg')]),
  ]);
  // MP3 with cover art (a one-frame "video" stream that must not make it a video)
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440', '-i', clip('plain.jpg'), ...t2, '-map', '0:a', '-map', '1:v', '-c:a', 'libmp3lame', '-c:v', 'copy', '-id3v2_version', '3', '-disposition:v', 'attached_pic', clip('audio.mp3')]);
  await ffmpeg(['-i', clip('h264.mp4'), '-c', 'copy', '-movflags', '+faststart', clip('faststart.mp4')]);
  // a phone's portrait video: landscape frames plus a display rotation
  await ffmpeg(['-i', clip('h264.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', clip('rotated.mp4')]);
  const photo = withExif(await readFile(clip('plain.jpg')), {
    make: 'HIKVISION', model: 'DSJ-X1', orientation: 6, dateTimeOriginal: '2024:05:01 10:20:30',
    latitude: { ref: 'N', dms: [38, 2, 30] }, longitude: { ref: 'E', dms: [114, 30, 0] }, altitudeM: 80,
  });
  await writeFile(clip('photo.jpg'), photo);
  for (const [source, target] of [['h264.mp4', 'truncated.mp4'], ['faststart.mp4', 'truncated-faststart.mp4']] as const) {
    const bytes = await readFile(clip(source));
    await writeFile(clip(target), bytes.subarray(0, Math.floor(bytes.length * 0.3)));
  }
  await writeFile(clip('text.mp4'), '这不是视频 — this is not a video\n'.repeat(20));
  // Stored objects have no extension: detection must work from the content alone.
  await copyFile(clip('h264.mp4'), clip('0123abcd'));
  await copyFile(clip('photo.jpg'), clip('4567cdef'));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probe', () => {
  it('reads the facts of a video', async () => {
    const sut = await probe(clip('h264.mp4'));
    expect(sut).toMatchObject({
      kind: 'video',
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      sizeBytes: (await stat(clip('h264.mp4'))).size,
      video: { codec: 'h264', width: 640, height: 360, fps: 25, rotation: 0 },
      audio: { codec: 'aac', sampleRate: 44100, channels: 1 },
    });
    expect(sut.durationSec).toBeCloseTo(2, 1);
    expect(sut.bitRate).toBeGreaterThan(0);
    expect(sut.creationTime?.toISOString()).toBe('2024-05-01T02:03:04.000Z');
    expect(await probe(clip('0123abcd'))).toMatchObject({ kind: 'video', video: { codec: 'h264' } });
  });

  it('tells video, audio and images apart', async () => {
    expect(await probe(clip('h265.mp4'))).toMatchObject({ kind: 'video', video: { codec: 'hevc' } });
    expect(await probe(clip('mjpeg.avi'))).toMatchObject({ kind: 'video', formatName: 'avi', video: { codec: 'mjpeg', width: 1280, height: 960 } });
    expect(await probe(clip('clip.mkv'))).toMatchObject({ kind: 'video', formatName: 'matroska,webm', video: { codec: 'vp8', width: 241 }, audio: { channels: 6 } });
    const wav = await probe(clip('audio.wav'));
    expect(wav).toMatchObject({ kind: 'audio', formatName: 'wav', audio: { codec: 'pcm_s16le' } });
    expect(wav.video).toBeUndefined();
    expect(await probe(clip('audio.mp3'))).toMatchObject({ kind: 'audio', audio: { codec: 'mp3' } });
    const photo = await probe(clip('photo.jpg'));
    expect(photo).toMatchObject({ kind: 'image', video: { codec: 'mjpeg', width: 640, height: 480 } });
    expect(photo.durationSec).toBeUndefined();
    expect(await probe(clip('4567cdef'))).toMatchObject({ kind: 'image', formatName: 'jpeg_pipe' });
  });

  it('refuses text and an MP4 cut off before its index (moov at the end) as MEDIA_UNREADABLE', async () => {
    const text = await expectAppError(probe(clip('text.mp4')), 'MEDIA_UNREADABLE');
    expect(text.message).toMatch(/Invalid data|moov atom not found/);
    expect(text.message).not.toContain(dir); // no server paths in messages
    const truncated = await expectAppError(probe(clip('truncated.mp4')), 'MEDIA_UNREADABLE');
    expect(truncated.message).toContain('moov atom not found');
    await expectAppError(probe(clip('missing.mp4')), 'MEDIA_UNREADABLE');
  });

  it('real behaviour: an MP4 with its index at the front, cut at 30 %, still probes with its full duration', async () => {
    const sut = await probe(clip('truncated-faststart.mp4'));
    expect(sut.kind).toBe('video');
    expect(sut.durationSec).toBeCloseTo(2, 1); // the index claims 2 s although most bytes are missing
  });
});

describe('makeProxy', () => {
  it.each([
    ['h264.mp4', 640, 360],
    ['h265.mp4', 640, 360],
    ['mjpeg.avi', 960, 720], // scaled down to 720p, 4:3 kept
    ['clip.mkv', 240, 426], // portrait, odd size → even
  ])('turns %s into H.264 + AAC MP4 (%i×%i)', async (name, width, height) => {
    const out = clip(`${name}.proxy.mp4`);
    const sut = await makeProxy(clip(name), out);
    expect(sut).toMatchObject({ kind: 'video', mimeType: 'video/mp4', complete: true, warnings: [] });
    const played = await probe(out);
    expect(played).toMatchObject({ kind: 'video', video: { codec: 'h264', width, height }, audio: { codec: 'aac' } });
    expect(played.audio!.channels).toBeLessThanOrEqual(2);
    expect(played.durationSec).toBeCloseTo(2, 0);
    // +faststart: the index (moov) comes before the media data (mdat)
    const head = (await readFile(out)).subarray(0, 4096).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat') === -1 ? Infinity : head.indexOf('mdat'));
  });

  it('turns a rotated (portrait phone) video upright', async () => {
    const input = await probe(clip('rotated.mp4'));
    expect(input.video).toMatchObject({ width: 640, height: 360 });
    expect([90, 270]).toContain(input.video?.rotation);
    const sut = await makeProxy(clip('rotated.mp4'), clip('rotated.proxy.mp4'), { input });
    expect(sut.output.video).toMatchObject({ width: 360, height: 640, rotation: 0 });
    expect(await makeThumbnail(clip('rotated.mp4'), clip('rotated.thumb.jpg'))).toMatchObject({ width: 320, height: 568 });
  });

  it('turns audio into an AAC .m4a', async () => {
    for (const name of ['audio.wav', 'audio.mp3']) {
      const out = clip(`${name}.proxy.m4a`);
      expect(await makeProxy(clip(name), out)).toMatchObject({ kind: 'audio', mimeType: 'audio/mp4', complete: true });
      const played = await probe(out);
      expect(played).toMatchObject({ kind: 'audio', audio: { codec: 'aac' } });
      expect(played.video).toBeUndefined();
      expect(played.durationSec).toBeCloseTo(2, 0);
    }
  });

  it('real behaviour: the front-indexed truncated MP4 gives a short proxy, flagged incomplete with ffmpeg’s warnings', async () => {
    const sut = await makeProxy(clip('truncated-faststart.mp4'), clip('trunc.proxy.mp4'));
    expect(sut.complete).toBe(false);
    expect(sut.output.durationSec).toBeLessThan(1.5);
    expect(sut.warnings.join('\n')).toMatch(/partial file|Invalid data/);
  });

  it('refuses unreadable and picture-only inputs and leaves no output', async () => {
    await expectAppError(makeProxy(clip('text.mp4'), clip('text.proxy.mp4')), 'MEDIA_UNREADABLE');
    await expectAppError(makeProxy(clip('truncated.mp4'), clip('t.proxy.mp4')), 'MEDIA_UNREADABLE');
    await expectAppError(makeProxy(clip('photo.jpg'), clip('photo.proxy.mp4')), 'MEDIA_UNSUPPORTED');
    await expect(stat(clip('text.proxy.mp4'))).rejects.toThrow();
  });

  it('takes file names that look like options, shell or protocols literally', async () => {
    const odd = clip("-执法 记录;$(touch pwned) 'x'|concat:a.mp4");
    await copyFile(clip('h264.mp4'), odd);
    const sut = await makeProxy(odd, `${odd}.proxy.mp4`);
    expect(sut.output.video?.codec).toBe('h264');
    await expect(stat(clip('pwned'))).rejects.toThrow();
  });
});

describe('makeThumbnail', () => {
  it('writes a ~320 px JPEG from a video, a short clip and a photo (turned upright); smaller inputs are not enlarged', async () => {
    const isJpeg = async (p: string) => (await readFile(p)).subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
    for (const [name, width, height] of [['h264.mp4', 320, 180], ['mjpeg.avi', 320, 240], ['clip.mkv', 241, 426], ['0123abcd', 320, 180]] as const) {
      const out = clip(`${name}.thumb.jpg`);
      expect(await makeThumbnail(clip(name), out)).toEqual({ mimeType: 'image/jpeg', width, height });
      expect(await isJpeg(out)).toBe(true);
    }
    // EXIF orientation 6 (rotate 90° clockwise): the 640×480 sensor image becomes portrait
    expect(await makeThumbnail(clip('photo.jpg'), clip('photo.thumb.jpg'))).toEqual({ mimeType: 'image/jpeg', width: 320, height: 426 });
    expect(await makeThumbnail(clip('4567cdef'), clip('noext.thumb.jpg'))).toMatchObject({ width: 320, height: 426 });
    expect(await makeThumbnail(clip('plain.jpg'), clip('plain.thumb.jpg'))).toMatchObject({ width: 320, height: 240 });
    // a clip shorter than 2 s: the first frame
    await ffmpeg(['-i', clip('h264.mp4'), '-t', '0.5', '-c', 'copy', clip('short.mp4')]);
    expect(await makeThumbnail(clip('short.mp4'), clip('short.thumb.jpg'))).toMatchObject({ width: 320 });
  });

  it('refuses audio and unreadable files', async () => {
    await expectAppError(makeThumbnail(clip('audio.wav'), clip('a.thumb.jpg')), 'MEDIA_UNSUPPORTED');
    await expectAppError(makeThumbnail(clip('text.mp4'), clip('t.thumb.jpg')), 'MEDIA_UNREADABLE');
  });
});

describe('readExif', () => {
  it('reads date taken, camera and GPS; the time without offset is taken as Beijing time', async () => {
    const sut = await readExif(clip('photo.jpg'));
    expect(sut).toMatchObject({ make: 'HIKVISION', model: 'DSJ-X1', orientation: 6, takenAtLocal: '2024-05-01 10:20:30', takenAtOffsetAssumed: true });
    expect(sut?.takenAt?.toISOString()).toBe('2024-05-01T02:20:30.000Z');
    expect(sut?.gps?.latitude).toBeCloseTo(38 + 2 / 60 + 30 / 3600, 5);
    expect(sut?.gps?.longitude).toBeCloseTo(114.5, 5);
    expect(sut?.gps?.altitudeM).toBeCloseTo(80, 3);
  });

  it('uses the offset when the camera wrote one', async () => {
    const photo = withExif(await readFile(clip('plain.jpg')), {
      make: 'X', model: 'Y', orientation: 1, dateTimeOriginal: '2024:05:01 10:20:30', offsetTimeOriginal: '+09:00',
      latitude: { ref: 'S', dms: [10, 0, 0] }, longitude: { ref: 'W', dms: [20, 0, 0] }, altitudeM: -5,
    });
    await writeFile(clip('tokyo.jpg'), photo);
    const sut = await readExif(clip('tokyo.jpg'));
    expect(sut?.takenAt?.toISOString()).toBe('2024-05-01T01:20:30.000Z');
    expect(sut).toMatchObject({ takenAtOffsetAssumed: false, gps: { latitude: -10, longitude: -20, altitudeM: -5 } });
  });

  it('returns undefined for a photo without EXIF and for non-photos, and throws for a missing file', async () => {
    expect(await readExif(clip('plain.jpg'))).toBeUndefined();
    expect(await readExif(clip('text.mp4'))).toBeUndefined();
    expect(await readExif(clip('h264.mp4'))).toBeUndefined();
    await expect(readExif(clip('missing.jpg'))).rejects.toThrow(/ENOENT/);
  });
});

describe('runTool', () => {
  it('kills a tool that runs too long (MEDIA_TIMEOUT) and reports a failing one with its stderr', async () => {
    const started = Date.now();
    await expectAppError(runTool('ffmpeg', ['-nostdin', '-f', 'lavfi', '-i', 'testsrc', '-f', 'null', '-'], { timeoutMs: 500 }), 'MEDIA_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    const failed = await expectAppError(runTool('ffmpeg', ['-v', 'error', '-i', clip('nope.mp4'), '-f', 'null', '-'], { timeoutMs: 10_000, redactPaths: [clip('nope.mp4')] }), 'MEDIA_TOOL_FAILED');
    expect(failed.message).toContain('nope.mp4: No such file or directory');
    expect(failed.message).not.toContain(dir);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('job cancelled')), 200);
    await expect(runTool('ffmpeg', ['-nostdin', '-f', 'lavfi', '-i', 'testsrc', '-f', 'null', '-'], { timeoutMs: 30_000, signal: controller.signal })).rejects.toThrow('job cancelled');
  });
});
