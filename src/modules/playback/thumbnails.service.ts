import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { allowedIds } from '../access/access.service.ts';
import * as repo from './playback.repository.ts';

/**
 * A list page's thumbnails are one audit event per page view, not one per image (第十四条: every look at a
 * recording is traceable, without drowning the audit chain). The page asks for a ticket naming the recordings
 * it shows; that request is the page view and is audited once, naming the recordings whose thumbnails it may
 * show. Thumbnails read with the ticket add no event; each read is still checked in the access decision point,
 * so a revoked grant hides a thumbnail at once.
 */

/** A ticket lives this long (a page shown longer asks again: a new page view). */
export const TICKET_TTL_SECONDS = 600;

export async function issueThumbnailTicket({ db }: Deps, user: AuthUser, recordingIds: string[]) {
  const unique = [...new Set(recordingIds)];
  const allowed = await allowedIds(db, user, 'recording.media.view', unique);
  const shown = await repo.withThumbnail(db, unique.filter((id) => allowed.has(id)));
  if (!shown.length) return { ticket: null, expiresAt: null, recordingIds: [] as string[] };
  const t = await db.transaction().execute(async (trx) => {
    const row = await repo.insertTicket(trx, user.id, shown, TICKET_TTL_SECONDS);
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'recording.thumbnails.view',
      target: { type: 'recording-list', id: null },
      details: { ticket: row.id, recordingIds: shown },
    });
    return row;
  });
  return { ticket: t.id, expiresAt: t.expires_at.toISOString(), recordingIds: shown };
}

/** Whether a thumbnail read is covered by an audited page view (a live ticket of this user naming it). */
export async function thumbnailTicketCovers(db: DbOrTx, user: Pick<AuthUser, 'id'>, ticket: string | undefined, recordingId: string): Promise<boolean> {
  if (!ticket) return false;
  return repo.ticketCovers(db, ticket, user.id, recordingId);
}
