/**
 * 第十三条: the deadline to hand evidence over to a reconsideration body or a court, counted in Beijing
 * calendar dates ('YYYY-MM-DD', never instants), so the hour of day and the server's time zone never move it.
 *
 * How it is counted:
 * - The day the application or complaint copy was received is not counted; the period runs from the next
 *   day (期间开始的日不计算在期间内: 行政诉讼法 art. 101 → 民事诉讼法 art. 85; 行政复议法 art. 88).
 * - Reconsideration (行政复议法 arts. 48, 54): 10 days, 5 under the simplified procedure, and these are
 *   WORKING days, statutory holidays excluded (行政复议法 2023 art. 88 para. 2): Monday to Friday, minus the
 *   holidays the admin lists (deadlines.holidays), plus make-up working weekends listed with `+`.
 * - Litigation (行政诉讼法 art. 67): 15 calendar days; when the last day is a rest day (weekend or listed
 *   holiday, not a make-up working day) the period ends on the next working day (民事诉讼法 art. 85).
 * - The period ends at the end of the due date in Beijing (24:00 Asia/Shanghai, 16:00 UTC that day).
 */

export interface HolidayCalendar {
  /** Rest days on weekdays (法定休假日). */
  holidays: Set<string>;
  /** Weekend days that are working days (调休上班). */
  workdays: Set<string>;
}

/** Parses the deadlines.holidays setting: `2026-10-01, 2026-10-02, +2026-10-10`. */
export function parseHolidays(setting: string): HolidayCalendar {
  const cal: HolidayCalendar = { holidays: new Set(), workdays: new Set() };
  for (const raw of setting.split(',')) {
    const t = raw.trim();
    if (!t) continue;
    if (t.startsWith('+')) cal.workdays.add(t.slice(1));
    else cal.holidays.add(t);
  }
  return cal;
}

const toUtc = (date: string) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
};
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The calendar date `n` days after `date` (month and year ends handled by the calendar, not by hand). */
export function addDays(date: string, n: number): string {
  return fromUtc(toUtc(date) + n * 86_400_000);
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtc(b) - toUtc(a)) / 86_400_000);
}

/** A working day: Monday–Friday not listed as a holiday, or a listed make-up working day. */
export function isWorkingDay(date: string, cal: HolidayCalendar): boolean {
  if (cal.workdays.has(date)) return true;
  if (cal.holidays.has(date)) return false;
  const dow = new Date(toUtc(date)).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** The due date: see the rules above. */
export function dueDate(o: { receivedOn: string; days: number; workingDays: boolean; calendar: HolidayCalendar }): string {
  let d = o.receivedOn;
  if (o.workingDays) {
    let counted = 0;
    while (counted < o.days) {
      d = addDays(d, 1);
      if (isWorkingDay(d, o.calendar)) counted++;
    }
    return d;
  }
  d = addDays(d, o.days);
  while (!isWorkingDay(d, o.calendar)) d = addDays(d, 1);
  return d;
}

/** Days left until the due date counted from `today` (0 = due today, negative = overdue by that many days). */
export function daysLeft(dueOn: string, today: string): number {
  return daysBetween(today, dueOn);
}
