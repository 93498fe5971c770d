import { shanghaiDate } from '../../platform/time.ts';

let testClock: (() => Date) | undefined;

/** Test seam: the cases module's "now" (stage dates, countdowns); undefined restores the real clock. */
export function setCaseClock(clock: (() => Date) | undefined): void {
  testClock = clock;
}

/** Now, as the cases module sees it. */
export function caseNow(): Date {
  return testClock ? testClock() : new Date();
}

/** Today's Beijing date (Asia/Shanghai), 'YYYY-MM-DD'. */
export function beijingToday(): string {
  return shanghaiDate(caseNow());
}
