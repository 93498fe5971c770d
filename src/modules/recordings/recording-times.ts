import { AppError } from '../../platform/errors/error-catalog.ts';

/**
 * 第十五条 stores recordings by their time of use, so that time must be believable. Device clocks run
 * a little ahead, so a start or end up to `toleranceMinutes` in the future is accepted and flagged
 * (`clockAhead`); later than that is refused: the recording cannot have happened yet.
 */
export function checkRecordingTimes(
  m: { recordedStart?: string | null; recordedEnd?: string | null },
  toleranceMinutes: number,
  now: Date = new Date(),
): { clockAhead: boolean } {
  const limit = now.getTime() + toleranceMinutes * 60_000;
  const fields: Record<string, { zh: string; en: string }> = {};
  let clockAhead = false;
  for (const [field, zh, en] of [
    ['recordedStart', '开始时间', 'the start'],
    ['recordedEnd', '结束时间', 'the end'],
  ] as const) {
    const v = m[field];
    if (!v) continue;
    const t = Date.parse(v);
    if (t > limit) {
      fields[field] = {
        zh: `${zh}晚于服务器当前时间超过 ${toleranceMinutes} 分钟，请检查设备时钟`,
        en: `${en} is more than ${toleranceMinutes} minutes after the server's current time; check the device clock`,
      };
    } else if (t > now.getTime()) clockAhead = true;
  }
  if (Object.keys(fields).length) throw new AppError('VALIDATION_FAILED', {}, fields);
  return { clockAhead };
}
