import dayjs, { type Dayjs } from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import 'dayjs/locale/zh-cn';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The agency's time zone: the API speaks UTC, people read Beijing time whatever their PC is set to. */
export const AGENCY_TZ = 'Asia/Shanghai';

/** An ISO instant from the API shown as 'YYYY-MM-DD HH:mm:ss' Beijing time ('—' when absent). */
export function formatTime(iso: string | null | undefined, withSeconds = true): string {
  if (!iso) return '—';
  return dayjs(iso).tz(AGENCY_TZ).format(withSeconds ? 'YYYY-MM-DD HH:mm:ss' : 'YYYY-MM-DD HH:mm');
}

/**
 * A date-time picked in the UI means Beijing wall-clock time; convert it to a UTC ISO string.
 * (The picker hands back the browser's local zone, which on a misconfigured PC is not Beijing.)
 */
export function shanghaiWallClockToIso(value: Dayjs): string {
  return dayjs.tz(value.format('YYYY-MM-DD HH:mm:ss'), AGENCY_TZ).toISOString();
}

/**
 * An ISO instant from the API as the Beijing wall-clock time for a date-time picker (the inverse of
 * shanghaiWallClockToIso): a plain local Dayjs, so the picker's setters do not shift it.
 */
export function isoToShanghaiWallClock(iso: string | null | undefined): Dayjs | undefined {
  return iso ? dayjs(dayjs(iso).tz(AGENCY_TZ).format('YYYY-MM-DDTHH:mm:ss')) : undefined;
}

/** The UTC instant at which a Beijing calendar day ('YYYY-MM-DD') starts. */
export function shanghaiDayStartIso(day: string): string {
  return dayjs.tz(`${day} 00:00:00`, AGENCY_TZ).toISOString();
}

/** A calendar date ('YYYY-MM-DD') for a date picker, and back. Dates carry no time zone. */
export function parseDate(s: string | null | undefined): Dayjs | undefined {
  return s ? dayjs(s, 'YYYY-MM-DD') : undefined;
}
export function formatDate(d: Dayjs | null | undefined): string | null {
  return d ? d.format('YYYY-MM-DD') : null;
}

/** Today in Beijing as 'YYYY-MM-DD'. */
export function todayInShanghai(): string {
  return dayjs().tz(AGENCY_TZ).format('YYYY-MM-DD');
}

export function setDayjsLanguage(language: 'zh-CN' | 'en'): void {
  dayjs.locale(language === 'en' ? 'en' : 'zh-cn');
}

export { dayjs };
