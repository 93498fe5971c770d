import { useCallback, useEffect, useMemo, useState } from 'react';
import { client, unwrap } from '../api/client.ts';
import type { Department } from '../api/shapes.ts';
import { notifyError } from './notify.ts';

/** All departments (flat) with a reload, for trees, filters and pickers. */
export function useDepartments(enabled = true) {
  const [departments, setDepartments] = useState<Department[]>();
  const reload = useCallback(() => {
    if (!enabled) return Promise.resolve();
    return unwrap(client.GET('/api/departments')).then((r) => setDepartments(r.items), notifyError);
  }, [enabled]);
  useEffect(() => {
    void reload();
  }, [reload]);
  const byId = useMemo(() => new Map((departments ?? []).map((d) => [d.id, d])), [departments]);
  return { departments, byId, reload, loading: departments === undefined && enabled };
}
