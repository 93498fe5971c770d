import { describe, expect, test } from 'vitest';
import { beijingStamp, compilePatterns, parseDeviceFileName } from './file-names.ts';

describe('body-camera file names', () => {
  const sut = parseDeviceFileName;
  test('GA/T 947 style device_officer_time_seq', () => {
    expect(sut('DSJ1234567_000123_20260315093012_0001.MP4')).toEqual({
      pattern: 'device_officer_time',
      deviceNumber: 'DSJ1234567',
      officerNumber: '000123',
      recordedStart: new Date('2026-03-15T01:30:12Z'),
    });
  });
  test('time first, and split date/time', () => {
    expect(sut('20260315093012_DSJ1234567_000123.mp4')).toMatchObject({ deviceNumber: 'DSJ1234567', officerNumber: '000123', recordedStart: new Date('2026-03-15T01:30:12Z') });
    expect(sut('20260101_000000_ABCDE_9876_02.avi')).toMatchObject({ deviceNumber: 'ABCDE', officerNumber: '9876', recordedStart: new Date('2025-12-31T16:00:00Z') });
  });
  test('generic camera names give only the time', () => {
    expect(sut('VID_20260315_093012.mp4')).toEqual({ pattern: 'camera', recordedStart: new Date('2026-03-15T01:30:12Z') });
    expect(sut('/mnt/card/DCIM/IMG20260315093012.JPG')?.recordedStart).toEqual(new Date('2026-03-15T01:30:12Z'));
  });
  test('impossible times and unknown names are not parsed', () => {
    expect(sut('DSJ1234567_000123_20261340093012_0001.MP4')).toBeUndefined();
    expect(beijingStamp('20260230120000')).toBeUndefined();
    expect(sut('执法现场.mp4')).toBeUndefined();
    expect(sut('notes.txt')).toBeUndefined();
  });
  test('agency patterns are configurable; a broken one is named', () => {
    const custom = compilePatterns([{ name: 'hz', regex: '^HZ-(?<device>\\d+)-(?<officer>\\d+)-(?<date>\\d{8})(?<time>\\d{6})' }]);
    expect(sut('HZ-77-1001-20260315093012.mp4', custom)).toMatchObject({ pattern: 'hz', deviceNumber: '77', officerNumber: '1001' });
    expect(() => compilePatterns([{ name: 'bad', regex: '(?<x' }])).toThrow(/"bad"/);
  });
});
