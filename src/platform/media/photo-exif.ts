import exifr from 'exifr';
import { errnoCode } from '../storage/storage-fs.ts';

/** EXIF facts of a photo (拍摄时间、设备、位置). */
export interface PhotoExif {
  /** When the photo was taken, as an instant. */
  takenAt?: Date;
  /** The taken-at time exactly as the camera wrote it (local time, `YYYY-MM-DD HH:mm:ss`). */
  takenAtLocal?: string;
  /**
   * True when the camera gave no UTC offset and Beijing time (UTC+8) was assumed — EXIF before 2.31 has
   * no offset field, and the agency's cameras are set to Beijing time.
   */
  takenAtOffsetAssumed?: boolean;
  make?: string;
  model?: string;
  /** EXIF orientation 1–8 (how the image must be turned for display). */
  orientation?: number;
  gps?: { latitude: number; longitude: number; altitudeM?: number };
}

/** Beijing time has had no daylight saving since 1991, so a fixed offset is exact. */
const AGENCY_UTC_OFFSET = '+08:00';

/**
 * Reads EXIF from a photo (JPEG, TIFF, HEIC, PNG…) with exifr. Returns undefined when the file has no
 * EXIF or is not a format exifr knows — EXIF is optional metadata, not a reason to fail. A file that
 * cannot be read at all (missing, no permission) still throws.
 */
export async function readExif(filePath: string): Promise<PhotoExif | undefined> {
  let raw: Record<string, unknown> | undefined;
  try {
    raw = (await exifr.parse(filePath, {
      tiff: true, exif: true, gps: true, ifd1: false, interop: false, xmp: false, icc: false, iptc: false, jfif: false,
      // Dates stay strings: exifr would read them in the server's time zone, not the camera's.
      reviveValues: false,
      translateValues: false,
    })) as Record<string, unknown> | undefined;
  } catch (error) {
    if (errnoCode(error)) throw error;
    return undefined; // "Unknown file format", damaged EXIF…
  }
  if (!raw) return undefined;
  const result: PhotoExif = {};
  const text = (k: string) => (typeof raw[k] === 'string' && (raw[k] as string).replace(/\0/g, '').trim()) || undefined;
  const make = text('Make');
  const model = text('Model');
  if (make) result.make = make;
  if (model) result.model = model;
  if (typeof raw.Orientation === 'number') result.orientation = raw.Orientation;
  const local = exifDateTime(text('DateTimeOriginal') ?? text('CreateDate') ?? text('ModifyDate'));
  if (local) {
    const offset = text('OffsetTimeOriginal') ?? text('OffsetTime');
    const validOffset = offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : undefined;
    const instant = new Date(`${local.replace(' ', 'T')}${validOffset ?? AGENCY_UTC_OFFSET}`);
    result.takenAtLocal = local;
    result.takenAtOffsetAssumed = !validOffset;
    if (!Number.isNaN(instant.getTime())) result.takenAt = instant;
  }
  const { latitude, longitude } = raw;
  if (typeof latitude === 'number' && typeof longitude === 'number' && Number.isFinite(latitude) && Number.isFinite(longitude)) {
    result.gps = { latitude, longitude };
    const altitude = raw.GPSAltitude;
    // GPSAltitudeRef is a BYTE: exifr gives it as a number or a one-byte array; 1 means below sea level.
    const ref = raw.GPSAltitudeRef;
    const belowSeaLevel = ref === 1 || (ref instanceof Uint8Array && ref[0] === 1);
    if (typeof altitude === 'number' && Number.isFinite(altitude)) result.gps.altitudeM = belowSeaLevel ? -altitude : altitude;
  }
  return result;
}

/** `2024:05:01 10:20:30` → `2024-05-01 10:20:30`; unset clocks (`0000:00:00 …`) → undefined. */
function exifDateTime(value: string | undefined): string | undefined {
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value ?? '');
  if (!m || m[1] === '0000') return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
}
