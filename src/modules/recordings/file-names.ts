/**
 * Body-camera file names (执法记录仪文件名) carry the device number, the officer number and the start time.
 * Patterns are regular expressions with named groups: `device`, `officer`, and either `start`
 * (yyyyMMddHHmmss) or `date` (yyyyMMdd) + `time` (HHmmss). Device clocks run on Beijing time.
 */

export interface ParsedFileName {
  deviceNumber?: string;
  officerNumber?: string;
  /** Start of recording (UTC instant), from the device's Beijing-time stamp. */
  recordedStart?: Date;
  /** Which pattern matched (its name). */
  pattern: string;
}

export interface FileNamePattern {
  name: string;
  regex: string;
}

/** Patterns shipped for common devices; agencies add their own (settings / `--pattern`). */
export const DEFAULT_FILE_NAME_PATTERNS: FileNamePattern[] = [
  // GA/T 947 style: 设备编号_警员编号_时间_序号, e.g. DSJ1234567_000123_20260315093012_0001.MP4
  { name: 'device_officer_time', regex: '^(?<device>[A-Za-z0-9]{5,20})_(?<officer>[A-Za-z0-9]{3,12})_(?<start>\\d{14})(?:_\\d{1,6})?\\.' },
  // Time first: 20260315093012_DSJ1234567_000123.MP4
  { name: 'time_device_officer', regex: '^(?<start>\\d{14})_(?<device>[A-Za-z0-9]{5,20})_(?<officer>[A-Za-z0-9]{3,12})(?:_\\d{1,6})?\\.' },
  // Split date and time: 20260315_093012_DSJ1234567_000123.MP4
  { name: 'date_time_device_officer', regex: '^(?<date>\\d{8})_(?<time>\\d{6})_(?<device>[A-Za-z0-9]{5,20})_(?<officer>[A-Za-z0-9]{3,12})(?:_\\d{1,6})?\\.' },
  // Generic cameras and recorders: VID_20260315_093012.mp4, IMG20260315093012.jpg, REC_20260315-093012.wav
  { name: 'camera', regex: '^(?:VID|IMG|AUD|REC|MOV|PIC)[_-]?(?<date>\\d{8})[_-]?(?<time>\\d{6})' },
];

/** 'yyyyMMddHHmmss' in Beijing time → Date, or undefined when it is not a real time. */
export function beijingStamp(stamp: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h - 8, mi, s);
  const check = new Date(utc + 8 * 3_600_000);
  // Reject 20261340… and other impossible stamps instead of letting Date roll them over.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) {
    return undefined;
  }
  return new Date(utc);
}

/** Compiles patterns once; a bad expression is reported with the pattern's name. */
export function compilePatterns(patterns: FileNamePattern[]): { name: string; re: RegExp }[] {
  return patterns.map((p) => {
    try {
      return { name: p.name, re: new RegExp(p.regex, 'i') };
    } catch (e) {
      throw new Error(`File-name pattern "${p.name}" is not a valid regular expression: ${(e as Error).message}`);
    }
  });
}

/** Parses a device file name with the first pattern that matches and yields a valid time. */
export function parseDeviceFileName(fileName: string, patterns = compilePatterns(DEFAULT_FILE_NAME_PATTERNS)): ParsedFileName | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  for (const p of patterns) {
    const g = p.re.exec(base)?.groups;
    if (!g) continue;
    const stamp = g.start ?? (g.date && g.time ? `${g.date}${g.time}` : undefined);
    const recordedStart = stamp ? beijingStamp(stamp) : undefined;
    if (stamp && !recordedStart) continue;
    return {
      pattern: p.name,
      ...(g.device && { deviceNumber: g.device.toUpperCase() }),
      ...(g.officer && { officerNumber: g.officer }),
      ...(recordedStart && { recordedStart }),
    };
  }
  return undefined;
}
