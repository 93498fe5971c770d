import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { ResponseOf } from '../../api/shapes.ts';
import { notifyError } from '../../lib/notify.ts';

/** Retention shapes, from the generated contract. */
export type RecordingRetention = ResponseOf<'/api/recordings/{id}/retention', 'get'>;
export type CaseRetention = ResponseOf<'/api/cases/{id}/retention', 'get'>;
export type TableVersion = ResponseOf<'/api/retention/table', 'get'>['items'][number];
export type DisposalBatch = ResponseOf<'/api/disposal/batches', 'get'>['items'][number];
export type Digest = ResponseOf<'/api/retention/upcoming', 'get'>;

/** Loads once and on reload(); errors go to the message bar. */
function useLoad<T>(load: () => Promise<T>, enabled = true) {
  const [data, setData] = useState<T>();
  const reload = useCallback(() => {
    if (enabled) load().then(setData, notifyError);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled]);
  useEffect(reload, [reload]);
  return { data, reload };
}

export const useRecordingRetention = (id: string) => useLoad(() => unwrap(client.GET('/api/recordings/{id}/retention', { params: { path: { id } } })));
export const useCaseRetention = (id: string) => useLoad(() => unwrap(client.GET('/api/cases/{id}/retention', { params: { path: { id } } })));
export const useRetentionTable = () => useLoad(() => unwrap(client.GET('/api/retention/table')));
export const useDisposalBatches = () => useLoad(() => unwrap(client.GET('/api/disposal/batches')));
export const useDigest = (enabled: boolean) => useLoad(() => unwrap(client.GET('/api/retention/upcoming')), enabled);
