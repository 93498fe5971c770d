import { stat } from 'node:fs/promises';
import { AppError } from '../errors/error-catalog.ts';
import { ffmpegFileArg, runTool, SAFE_INPUT_ARGS } from './media-tools.ts';

/** What kind of record a file is, for the UI and for which derived files to make. */
export type MediaKind = 'video' | 'audio' | 'image' | 'unknown';

/** The ffprobe facts kept about a file. */
export interface ProbeResult {
  kind: MediaKind;
  /** ffprobe's container name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `avi`, `matroska,webm`, `image2`. */
  formatName: string;
  /** Playing time; absent for still images and when the container does not say. */
  durationSec?: number;
  sizeBytes: number;
  bitRate?: number;
  /**
   * The container's creation time as the device wrote it. Many body cameras write local (Beijing)
   * time marked as UTC, so compare it with the recording's declared time before trusting it.
   */
  creationTime?: Date;
  video?: {
    codec: string;
    width: number;
    height: number;
    fps?: number;
    /**
     * Display rotation from the container's display matrix, in degrees counterclockwise as ffprobe reports
     * it, 0–359; 0 when none. Phones record portrait as rotated landscape: 90 or 270 mean the picture is
     * shown with width and height swapped (proxies and thumbnails are already turned upright).
     */
    rotation: number;
  };
  audio?: { codec: string; sampleRate: number; channels: number };
}

/**
 * Containers that name other files or URLs instead of holding media (playlists, concat lists, SDP
 * session files). An upload of one could make ffmpeg read server files into a proxy, so they are
 * refused as unreadable rather than processed. ANSI art (`tty`) is text, not a recording.
 */
const REFUSED_FORMATS = new Set(['hls', 'concat', 'dash', 'sdp', 'rtsp', 'webm_dash_manifest', 'tty', 'lavfi', 'ffmetadata']);

const PROBE_TIMEOUT_MS = 30_000;

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

interface FfprobeOutput {
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string; tags?: Record<string, string> };
  streams?: FfprobeStream[];
}

/**
 * Runs ffprobe on a file (about 15 ms). A file ffprobe cannot read — not media, truncated before its
 * index, a refused container — throws MEDIA_UNREADABLE with ffprobe's reason; the caller keeps the
 * original anyway (it is evidence even when unplayable).
 */
export async function probe(filePath: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ProbeResult> {
  const args = ['-v', 'error', ...SAFE_INPUT_ARGS, '-print_format', 'json', '-show_format', '-show_streams', ffmpegFileArg(filePath)];
  let stdout: string;
  try {
    ({ stdout } = await runTool('ffprobe', args, { timeoutMs: options.timeoutMs ?? PROBE_TIMEOUT_MS, signal: options.signal, redactPaths: [filePath] }));
  } catch (error) {
    if (error instanceof AppError && error.code === 'MEDIA_TOOL_FAILED') {
      const lines = String(error.params.stderr ?? '').split('\n').filter(Boolean);
      throw Object.assign(new AppError('MEDIA_UNREADABLE', { reason: lines.slice(-2).join('; ') || 'ffprobe failed' }), { cause: error });
    }
    throw error;
  }
  const parsed = JSON.parse(stdout) as FfprobeOutput;
  const formatName = parsed.format?.format_name ?? '';
  if (!formatName) throw new AppError('MEDIA_UNREADABLE', { reason: 'no container format recognised' });
  if (REFUSED_FORMATS.has(formatName)) throw new AppError('MEDIA_UNREADABLE', { reason: `format "${formatName}" is not accepted` });
  return toProbeResult(parsed, formatName, (await stat(filePath)).size);
}

function toProbeResult(parsed: FfprobeOutput, formatName: string, fileSize: number): ProbeResult {
  const format = parsed.format ?? {};
  const streams = parsed.streams ?? [];
  // Cover art in MP3/M4A shows up as a one-frame video stream: it does not make the file a video.
  const v = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const a = streams.find((s) => s.codec_type === 'audio');
  const isStill = v !== undefined && (formatName === 'image2' || formatName.endsWith('_pipe') || formatName === 'webp');
  const kind: MediaKind = isStill ? 'image' : v ? 'video' : a ? 'audio' : 'unknown';
  const result: ProbeResult = { kind, formatName, sizeBytes: positive(format.size) ?? fileSize };
  const duration = positive(format.duration) ?? Math.max(0, ...streams.map((s) => positive(s.duration) ?? 0));
  if (!isStill && duration > 0) result.durationSec = duration;
  const bitRate = positive(format.bit_rate);
  if (bitRate !== undefined) result.bitRate = bitRate;
  const created = parseDate(format.tags?.creation_time ?? v?.tags?.creation_time ?? a?.tags?.creation_time);
  if (created) result.creationTime = created;
  if (v && v.width && v.height) {
    result.video = { codec: v.codec_name ?? 'unknown', width: v.width, height: v.height, rotation: rotationOf(v) };
    const fps = frameRate(v.avg_frame_rate) ?? frameRate(v.r_frame_rate);
    if (fps !== undefined && !isStill) result.video.fps = fps;
  }
  if (a) result.audio = { codec: a.codec_name ?? 'unknown', sampleRate: positive(a.sample_rate) ?? 0, channels: a.channels ?? 0 };
  return result;
}

/** A positive finite number from ffprobe's string fields (`"N/A"`, `"0"` → undefined). */
function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** `"30000/1001"` → 29.97; `"0/0"` → undefined. */
function frameRate(value: string | undefined): number | undefined {
  const [num, den] = (value ?? '').split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den)) return undefined;
  return Math.round((num / den) * 1000) / 1000;
}

function rotationOf(s: FfprobeStream): number {
  const fromSideData = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  // Older ffprobe builds give a `rotate` tag instead, in degrees clockwise.
  const degrees = fromSideData ?? -Number(s.tags?.rotate ?? 0);
  return Number.isFinite(degrees) ? (((Math.round(degrees) % 360) + 360) % 360) : 0;
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971 ? undefined : d;
}
