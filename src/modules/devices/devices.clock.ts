let testClock: (() => Date) | undefined;

/**
 * Test seam: makes the devices module's "now" (checks, checkouts, maintenance due dates, reminders) this
 * clock instead of the server's (undefined restores it). Nothing in the application calls it.
 */
export function setDevicesClock(clock: (() => Date) | undefined): void {
  testClock = clock;
}

/** "Now" as the devices module sees it: the server's clock, the reference a device clock is compared with. */
export function devicesNow(): Date {
  return testClock ? testClock() : new Date();
}
