import { describe, expect, test } from 'vitest';
import { qualificationOn } from './qualification.ts';

const qualified = { enrolled: true, certificateNumber: '冀商执001', certificateExamPassedOn: '2020-03-01', certificateValidUntil: '2027-12-31' };

describe('第七条 qualification rule', () => {
  const sut = qualificationOn;
  test('enrolled with a valid certificate may record', () => {
    expect(sut(qualified, '2026-11-27')).toEqual({ qualified: true, on: '2026-11-27', reasons: [] });
  });
  test('the last valid day still counts, the day after does not', () => {
    expect(sut(qualified, '2027-12-31').qualified).toBe(true);
    const r = sut(qualified, '2028-01-01');
    expect(r.qualified).toBe(false);
    expect(r.reasons.map((x) => x.code)).toEqual(['CERTIFICATE_EXPIRED']);
    expect(r.reasons[0]!.zh).toContain('2027-12-31');
  });
  test('missing certificate', () => {
    const r = sut({ ...qualified, certificateNumber: null, certificateValidUntil: null }, '2026-11-27');
    expect(r.reasons.map((x) => x.code)).toEqual(['NO_CERTIFICATE']);
  });
  test('not enrolled (e.g. a contract worker) even with a certificate', () => {
    const r = sut({ ...qualified, enrolled: false }, '2026-11-27');
    expect(r.qualified).toBe(false);
    expect(r.reasons.map((x) => x.code)).toEqual(['NOT_ENROLLED']);
  });
  test('every reason is given at once', () => {
    const r = sut({ enrolled: false, certificateNumber: null, certificateExamPassedOn: null, certificateValidUntil: null }, '2026-11-27');
    expect(r.reasons.map((x) => x.code)).toEqual(['NOT_ENROLLED', 'NO_CERTIFICATE']);
    expect(r.reasons.every((x) => x.zh && x.en)).toBe(true);
  });
  test('before the exam was passed', () => {
    expect(sut(qualified, '2020-02-29').reasons.map((x) => x.code)).toEqual(['CERTIFICATE_NOT_YET_VALID']);
  });
});
