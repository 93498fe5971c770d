import type { Config } from '../../platform/config/config.ts';
import type { Tx } from '../../platform/db/database.ts';
import * as repo from './auth.repository.ts';

/**
 * Login throttling (issue 6 item 10), in place of a hard lock that any outsider could set off.
 *
 * Failed password checks (login and password change alike) are counted per account name — the name
 * typed, whether or not it exists — and per source address. The `loginAccountAttempts`-th /
 * `loginAddressAttempts`-th failure and each one after it make the key wait 1 s, 2 s, 4 s … up to
 * `loginMaxDelayMinutes` before the next password is even looked at. A try
 * during the wait is answered 429 with Retry-After and does not extend it, so an outsider can hold an
 * account at most at the longest delay, never shut it for good; `quanlu users unlock` (on the server)
 * and an admin's unlock clear an account at once. Counts are forgotten after an hour without failures
 * (or twice the longest delay, if longer). The state is in PostgreSQL so that every api node sees it.
 *
 * Attempts on one account name are serialised (an advisory lock held while the password is checked),
 * so parallel guesses cannot all slip through before the first failure is written. The address count
 * is added without that lock (it would queue every login of an office behind one NAT address), so a
 * burst from one address may overshoot its allowance by the number of requests in flight.
 */
export interface ThrottleKey {
  scope: repo.ThrottleScope;
  subject: string;
}

/** The keys an attempt is counted under. */
export function throttleKeys(username: string, ip: string | null): ThrottleKey[] {
  const keys: ThrottleKey[] = [{ scope: 'account', subject: username.slice(0, 200) || '(empty)' }];
  if (ip) keys.push({ scope: 'address', subject: ip.slice(0, 200) });
  return keys;
}

/** Wait after the n-th failure in a row: none below the allowance, then 1 s doubling up to the cap. */
export function delayAfterFailures(failures: number, allowance: number, maxDelayMs: number): number {
  if (failures < allowance) return 0;
  return Math.min(1000 * 2 ** Math.min(failures - allowance, 40), maxDelayMs);
}

const maxDelayMs = (config: Config) => config.loginMaxDelayMinutes * 60_000;
/** How long a failure is remembered. */
export const forgetAfterMs = (config: Config) => Math.max(3_600_000, 2 * maxDelayMs(config));
const allowanceOf = (config: Config, scope: repo.ThrottleScope) => (scope === 'account' ? config.loginAccountAttempts : config.loginAddressAttempts);

/**
 * Takes the account name's lock for this transaction and tells until when the attempt must wait
 * (the later of its keys), or null when the password may be checked.
 */
export async function beginAttempt(trx: Tx, config: Config, keys: ThrottleKey[], now: Date): Promise<Date | null> {
  const account = keys.find((k) => k.scope === 'account');
  if (account) await repo.lockThrottleKey(trx, account.scope, account.subject);
  const forgetBefore = now.getTime() - forgetAfterMs(config);
  let until: Date | null = null;
  for (const row of await repo.findThrottles(trx, keys)) {
    if (row.last_failure_at.getTime() < forgetBefore || !row.blocked_until || row.blocked_until <= now) continue;
    if (!until || row.blocked_until > until) until = row.blocked_until;
  }
  return until;
}

/** Counts a failed password check under every key; returns the account's count and any new wait. */
export async function recordFailure(trx: Tx, config: Config, keys: ThrottleKey[], now: Date): Promise<{ failures: number; waitUntil: Date | null }> {
  const forgetBefore = new Date(now.getTime() - forgetAfterMs(config));
  let accountFailures = 0;
  let waitUntil: Date | null = null;
  for (const key of keys) {
    const failures = await repo.addThrottleFailure(trx, key, now, forgetBefore);
    if (key.scope === 'account') accountFailures = failures;
    const delay = delayAfterFailures(failures, allowanceOf(config, key.scope), maxDelayMs(config));
    if (delay > 0) {
      const until = new Date(now.getTime() + delay);
      await repo.blockThrottle(trx, key, until);
      if (!waitUntil || until > waitUntil) waitUntil = until;
    }
  }
  return { failures: accountFailures, waitUntil };
}

/** Whole seconds until a time (at least 1), for Retry-After and the message. */
export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}
