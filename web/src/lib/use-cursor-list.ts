import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Query } from '../api/client.ts';
import type { Page } from '../api/types.ts';
import { notifyError } from './notify.ts';

/**
 * A cursor-paged list (`?limit&cursor` → `{items, nextCursor}`) with "load more". Changing the
 * query starts again from the first page; a late answer to an old query is ignored.
 */
export function useCursorList<T>(url: string, query: Query, pageSize = 50) {
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
        const page = await api.get<Page<T>>(url, { ...(JSON.parse(queryKey) as Query), limit: pageSize, cursor });
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
