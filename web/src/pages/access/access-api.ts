import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/shapes.ts';
import { useSession } from '../../session/session-context.tsx';

/** Shapes of the access-request API, from the generated contract. */
export type AccessRequest = ResponseOf<'/api/access-requests/{id}', 'get'>;
export type AccessRequestListItem = ResponseOf<'/api/access-requests', 'get'>['items'][number];
export type AccessCreate = BodyOf<'/api/access-requests', 'post'>;
export type Box = 'mine' | 'approve' | 'review' | 'decided';

let listeners: (() => void)[] = [];

/** Tells the badge and the 工作台 card to read the counts again (after a decision). */
export function refreshAccessCounts(): void {
  for (const l of listeners) l();
}

/** Requests waiting for my decision and break-glass waiting for my review (polled each minute). */
export function useAccessCounts() {
  const { can } = useSession();
  const [counts, setCounts] = useState<{ toApprove: number; toReview: number }>();
  const allowed = can('access:approve');
  useEffect(() => {
    if (!allowed) return;
    let alive = true;
    const load = () => unwrap(client.GET('/api/access-requests/counts')).then((c) => alive && setCounts(c), () => undefined);
    load();
    listeners.push(load);
    const timer = setInterval(load, 60_000);
    return () => {
      alive = false;
      listeners = listeners.filter((l) => l !== load);
      clearInterval(timer);
    };
  }, [allowed]);
  return allowed ? counts : undefined;
}
