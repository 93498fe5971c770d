/** The agency's time zone: times are stored in UTC and shown in Asia/Shanghai. */
export const AGENCY_TZ = 'Asia/Shanghai';

const shanghaiParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: AGENCY_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The calendar and clock fields of an instant in Asia/Shanghai, zero-padded. */
export function shanghaiFields(d: Date) {
  const parts = shanghaiParts.formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute'), s: get('second') };
}

/** 'YYYY-MM-DD HH:mm' in Asia/Shanghai, for messages. */
export function formatShanghai(d: Date): string {
  const t = shanghaiFields(d);
  return `${t.y}-${t.mo}-${t.d} ${t.h}:${t.mi}`;
}

/** Today's calendar date in Asia/Shanghai as 'YYYY-MM-DD'. */
export function shanghaiDate(d: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: AGENCY_TZ }).format(d);
}
