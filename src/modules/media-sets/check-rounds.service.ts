import { appendAuditEvent, type Actor } from '../../platform/audit/audit-chain.ts';
import type { AuthUser } from '../../platform/auth/auth-user.ts';
import type { Deps } from '../../platform/deps.ts';
import { accessFilter } from '../access/access.service.ts';
import { getSetting } from '../settings/settings.service.ts';
import * as repo from './check-rounds.repository.ts';

/**
 * 定期复检 (档案法实施条例 art. 41: periodic checks that preservation media and their data are still readable;
 * GB/T 18894: sample checks of at least 10 % of the media). A scheduled job calls runScheduledRound daily: once
 * the configured interval (系统设置 media.checkIntervalMonths) has passed since the last round, it opens a new
 * round sampling every medium whose own check is due, topped up to ⌈percent × media⌉ (at least one) — the
 * sample is frozen in the round. Each sampled medium must then be checked (reportCheck / checkByImage) within
 * media.checkRoundDays; one still unchecked after that is overdue: an alert (工作台, register) recorded in the
 * audit chain once, until a check clears it.
 */

/** ⌈percent % of total⌉, at least 1 when there is any medium (0 when there is none). */
export function sampleSize(total: number, percent: number): number {
  return total === 0 ? 0 : Math.max(1, Math.ceil((total * percent) / 100));
}

export interface RoundRun {
  /** The round opened by this run, if one was due. */
  opened: { id: string; size: number; total: number } | null;
  /** Media found overdue by this run (each recorded as an alert). */
  overdue: number;
}

/** One run of the scheduled job (see above). `now` is the run's time. Audited. */
export async function runScheduledRound(deps: Deps, actor: Actor, label: string, now = new Date()): Promise<RoundRun> {
  return deps.db.transaction().execute(async (trx) => {
    await repo.lockRounds(trx);
    const late = await repo.markOverdue(trx, now);
    for (const m of late) {
      await appendAuditEvent(trx, {
        actor,
        action: 'media.medium.alert',
        target: { type: 'physical_medium', id: m.medium_id },
        details: { alert: 'overdue', roundId: m.round_id, dueAt: m.due_at.toISOString(), label: m.label },
      });
    }
    const months = Number(await getSetting(trx, 'media.checkIntervalMonths'));
    const total = await repo.countAllMedia(trx);
    if (!total || !(await repo.roundDue(trx, months, now))) return { opened: null, overdue: late.length };
    const percent = Number(await getSetting(trx, 'media.checkSamplePercent'));
    const days = Number(await getSetting(trx, 'media.checkRoundDays'));
    const picked = await repo.pickSample(trx, sampleSize(total, percent), now);
    const dueAt = new Date(now.getTime() + days * 86_400_000);
    const id = await repo.insertRound(trx, { now, dueAt, intervalMonths: months, samplePercent: percent, mediaTotal: total, openedBy: label }, picked);
    await appendAuditEvent(trx, {
      actor,
      action: 'media.check_round.open',
      target: { type: 'medium_check_round', id },
      details: { mediaTotal: total, samplePercent: percent, intervalMonths: months, dueAt: dueAt.toISOString(), media: picked.map((p) => ({ id: p.id, reason: p.reason })) },
    });
    return { opened: { id, size: picked.length, total }, overdue: late.length };
  });
}

/** The latest scheduled rounds and, of each, the sampled media the caller may see with their state. */
export async function listRounds({ db }: Deps, user: AuthUser) {
  const { rounds, items } = await repo.listRounds(db, await accessFilter(db, user, 'disc.read', 'd'), 20);
  const now = Date.now();
  return {
    items: rounds.map((r) => ({
      id: r.id,
      openedAt: r.opened_at.toISOString(),
      dueAt: r.due_at.toISOString(),
      intervalMonths: r.interval_months,
      samplePercent: r.sample_percent,
      mediaTotal: r.media_total,
      media: items
        .filter((i) => i.round_id === r.id)
        .map((i) => ({
          id: i.medium_id,
          label: i.label,
          reason: i.reason,
          checkedAt: i.checked_at?.toISOString() ?? null,
          overdue: !i.checked_at && r.due_at.getTime() <= now,
        })),
    })),
  };
}
