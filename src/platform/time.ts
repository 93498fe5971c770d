/** The agency's time zone: times are stored in UTC and shown in Asia/Shanghai. */
export const AGENCY_TZ = 'Asia/Shanghai';

/** 'YYYY-MM-DD HH:mm' in Asia/Shanghai, for messages. */
export function formatShanghai(d: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: AGENCY_TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** Today's calendar date in Asia/Shanghai as 'YYYY-MM-DD'. */
export function shanghaiDate(d: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: AGENCY_TZ }).format(d);
}
