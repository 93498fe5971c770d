import { useCallback, useEffect, useRef, useState } from 'react';
import { client, unwrap, type Query } from '../api/client.ts';
import type { QueryOf, ResponseOf } from '../api/shapes.ts';
import { notifyError } from './notify.ts';

/** The cursor-paged lists of the API (`?limit&cursor` → `{ items, nextCursor }`). */
type CursorPath = '/api/recordings' | '/api/audit-events' | '/api/personnel';
type ItemOf<P extends CursorPath> = ResponseOf<P, 'get'>['items'][number];
/** The list's filters: its query parameters without the paging ones, which the hook sets. */
type Filters<P extends CursorPath> = Omit<QueryOf<P, 'get'>, 'limit' | 'cursor'>;

/**
 * A cursor-paged list with "load more". Changing the query starts again from the first page; a late
 * answer to an old query is ignored. Filters left empty ('' or undefined) are not sent.
 */
export function useCursorList<P extends CursorPath, T extends ItemOf<P> = ItemOf<P>>(url: P, query: { [K in keyof Filters<P>]?: Filters<P>[K] | '' }, pageSize = 50) {
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const queryKey = JSON.stringify(query);

  const fetchPage = useCallback(
    async (cursor: string | null, append: boolean) => {
      const gen = ++generation.current;
      setLoading(true);
      try {
        const q = { ...(JSON.parse(queryKey) as Query), limit: pageSize, cursor } as QueryOf<CursorPath, 'get'>;
        // One of three paths, each answering { items, nextCursor } of its own item type (T).
        const page = (await unwrap(client.GET(url as '/api/recordings', { params: { query: q as QueryOf<'/api/recordings', 'get'> } }))) as unknown as { items: T[]; nextCursor: string | null };
        if (gen !== generation.current) return;
        setItems((prev) => (append ? [...prev, ...page.items] : page.items));
        setNextCursor(page.nextCursor);
      } catch (e) {
        if (gen === generation.current) notifyError(e);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [url, queryKey, pageSize],
  );

  useEffect(() => {
    void fetchPage(null, false);
  }, [fetchPage]);

  return {
    items,
    loading,
    hasMore: nextCursor !== null,
    loadMore: () => (nextCursor ? fetchPage(nextCursor, true) : Promise.resolve()),
    reload: () => fetchPage(null, false),
    /** Puts a changed or new row in place without reloading (after a save). */
    upsert: (item: T, key: (x: T) => string) =>
      setItems((prev) => (prev.some((x) => key(x) === key(item)) ? prev.map((x) => (key(x) === key(item) ? item : x)) : [item, ...prev])),
  };
}
