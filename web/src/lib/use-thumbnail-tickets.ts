import { useEffect, useState } from 'react';
import { client, unwrap } from '../api/client.ts';

/**
 * Thumbnail tickets of a list page (第十四条: each look at a recording leaves a trace, one audit event per page
 * view rather than one per image). For every batch of rows newly shown (the first page, each "load more") the
 * page asks the server once for a ticket naming their recordings; that request is the audited page view, and
 * thumbnails read with the ticket add no event. Returns the ticket of each recording: a string, or null while
 * its batch is being asked for and when the server gave none (no thumbnail to show).
 */
export function useThumbnailTickets(rows: { id: string; media: { hasThumbnail: boolean } }[]): (id: string) => string | null {
  const [tickets, setTickets] = useState<Record<string, string | null>>({});
  const pending = rows.filter((r) => r.media.hasThumbnail && !(r.id in tickets)).map((r) => r.id);
  const key = pending.join(',');
  useEffect(() => {
    if (!key) return;
    const ids = key.split(',');
    setTickets((t) => ({ ...t, ...Object.fromEntries(ids.map((id) => [id, null])) }));
    // One page of the list at most (the server takes up to 200 ids).
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200);
      void unwrap(client.POST('/api/recordings/thumbnail-tickets', { body: { recordingIds: batch } })).then(
        (r) => setTickets((t) => ({ ...t, ...Object.fromEntries(r.recordingIds.map((id) => [id, r.ticket])) })),
        () => undefined,
      );
    }
  }, [key]);
  return (id) => tickets[id] ?? null;
}
