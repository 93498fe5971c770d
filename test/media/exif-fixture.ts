/**
 * Test helper: adds an EXIF block (APP1) to a JPEG, since ffmpeg cannot write EXIF. Builds a minimal
 * little-endian TIFF with IFD0 (Make, Model, Orientation), an Exif IFD (DateTimeOriginal, optional
 * OffsetTimeOriginal) and a GPS IFD, laid out as in EXIF 2.32 §4.6.
 */
export interface ExifFixture {
  make: string;
  model: string;
  orientation: number;
  /** `YYYY:MM:DD HH:MM:SS` */
  dateTimeOriginal: string;
  offsetTimeOriginal?: string;
  /** Degrees, minutes, seconds; N/E positive. */
  latitude: { ref: 'N' | 'S'; dms: [number, number, number] };
  longitude: { ref: 'E' | 'W'; dms: [number, number, number] };
  altitudeM: number;
}

interface Entry {
  tag: number;
  type: 1 | 2 | 3 | 4 | 5;
  count: number;
  value: Buffer;
}

const ascii = (tag: number, s: string): Entry => {
  const value = Buffer.from(`${s}\0`, 'latin1');
  return { tag, type: 2, count: value.length, value };
};
const uint = (tag: number, type: 1 | 3 | 4, n: number): Entry => {
  const value = Buffer.alloc(4);
  if (type === 1) value.writeUInt8(n);
  else if (type === 3) value.writeUInt16LE(n);
  else value.writeUInt32LE(n);
  return { tag, type, count: 1, value };
};
const rationals = (tag: number, values: number[]): Entry => {
  const value = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => {
    value.writeUInt32LE(Math.round(v * 1000), 8 * i);
    value.writeUInt32LE(1000, 8 * i + 4);
  });
  return { tag, type: 5, count: values.length, value };
};

const ifdSize = (entries: Entry[]) => 2 + 12 * entries.length + 4 + entries.reduce((n, e) => n + (e.value.length > 4 ? e.value.length : 0), 0);

/** One IFD at `offset` (from the TIFF header), its out-of-line values right after it. */
function writeIfd(entries: Entry[], offset: number): Buffer {
  const out = Buffer.alloc(ifdSize(entries));
  out.writeUInt16LE(entries.length, 0);
  let data = 2 + 12 * entries.length + 4;
  entries.forEach((e, i) => {
    const at = 2 + 12 * i;
    out.writeUInt16LE(e.tag, at);
    out.writeUInt16LE(e.type, at + 2);
    out.writeUInt32LE(e.count, at + 4);
    if (e.value.length <= 4) e.value.copy(out, at + 8);
    else {
      out.writeUInt32LE(offset + data, at + 8);
      e.value.copy(out, data);
      data += e.value.length;
    }
  });
  return out;
}

/** Returns a copy of `jpeg` with the EXIF block inserted right after the SOI marker. */
export function withExif(jpeg: Buffer, f: ExifFixture): Buffer {
  const exif = [ascii(0x9003, f.dateTimeOriginal), ...(f.offsetTimeOriginal ? [ascii(0x9011, f.offsetTimeOriginal)] : [])];
  const gps = [
    ascii(0x0001, f.latitude.ref),
    rationals(0x0002, f.latitude.dms),
    ascii(0x0003, f.longitude.ref),
    rationals(0x0004, f.longitude.dms),
    uint(0x0005, 1, f.altitudeM < 0 ? 1 : 0),
    rationals(0x0006, [Math.abs(f.altitudeM)]),
  ];
  const ifd0 = (exifAt: number, gpsAt: number) => [
    ascii(0x010f, f.make),
    ascii(0x0110, f.model),
    uint(0x0112, 3, f.orientation),
    uint(0x8769, 4, exifAt),
    uint(0x8825, 4, gpsAt),
  ];
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0(0, 0));
  const gpsAt = exifAt + ifdSize(exif);
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  const tiff = Buffer.concat([header, writeIfd(ifd0(exifAt, gpsAt), ifd0At), writeIfd(exif, exifAt), writeIfd(gps, gpsAt)]);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(2 + 6 + tiff.length, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, Buffer.from('Exif\0\0', 'latin1'), tiff, jpeg.subarray(2)]);
}
