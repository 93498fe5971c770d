import { useEffect, useMemo, useRef, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Recording } from '../../api/shapes.ts';
import type { AuditEvent, Person, User } from '../../api/shapes.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { useSession } from '../../session/session-context.tsx';

/** Names of the objects audit events point at, as far as the reader may read them. */
export interface AuditNames {
  recording(id: string): string | undefined;
  person(id: string): string | undefined;
  user(id: string): string | undefined;
  department(id: string): string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Person ids an event mentions: its target, and officers or linked people in its before/after values. */
function personIdsOf(e: AuditEvent): string[] {
  const ids: string[] = [];
  if (e.targetType === 'person' && e.targetId) ids.push(e.targetId);
  for (const part of ['before', 'after', 'changes']) {
    const v = e.details[part];
    if (!isRecord(v)) continue;
    if (Array.isArray(v.officerIds)) ids.push(...v.officerIds.filter((x): x is string => typeof x === 'string'));
    if (typeof v.personId === 'string') ids.push(v.personId);
  }
  return ids.filter((id) => UUID.test(id));
}

/**
 * Looks up, once per id, the names the visible events need: recordings in one batch, people one by
 * one (an id that cannot be read — deleted or outside the reader's scope — is asked for only once
 * and stays unnamed), accounts and departments from their lists when the reader may list them.
 */
export function useAuditNames(events: AuditEvent[]): AuditNames {
  const { can } = useSession();
  const { byId: departments } = useDepartments(can('departments:read'));
  const [recordings, setRecordings] = useState<ReadonlyMap<string, string>>(new Map());
  const [people, setPeople] = useState<ReadonlyMap<string, string>>(new Map());
  const [users, setUsers] = useState<ReadonlyMap<string, string>>(new Map());
  const asked = useRef(new Set<string>());
  const mayReadUsers = can('users:read');
  const mayReadRecordings = can('recordings:read');
  const mayReadPeople = can('people:read');

  useEffect(() => {
    if (!mayReadUsers) return;
    unwrap(client.GET('/api/users')).then(
      (r) => setUsers(new Map(r.items.map((u) => [u.id, `${u.displayName}（${u.username}）`]))),
      () => undefined,
    );
  }, [mayReadUsers]);

  // Only ids not asked for before: the answers change state, and must not cause more requests.
  const wanted = (ids: string[]) => [...new Set(ids)].filter((id) => !asked.current.has(id));
  const recordingIds = wanted(mayReadRecordings ? events.filter((e) => e.targetType === 'recording' && e.targetId && UUID.test(e.targetId)).map((e) => e.targetId!) : []);
  const personIds = wanted(mayReadPeople ? events.flatMap(personIdsOf) : []);
  const recordingKey = recordingIds.join(',');
  const personKey = personIds.join(',');

  useEffect(() => {
    const ids = recordingKey ? recordingKey.split(',') : [];
    if (!ids.length) return;
    for (const id of ids) asked.current.add(id);
    unwrap(client.GET('/api/recordings', { params: { query: { ids: ids.slice(0, 200).join(','), limit: 200 } } })).then(
      (r) => setRecordings((prev) => new Map([...prev, ...r.items.map((x) => [x.id, x.fileName] as const)])),
      () => undefined,
    );
  }, [recordingKey]);

  useEffect(() => {
    const ids = personKey ? personKey.split(',') : [];
    if (!ids.length) return;
    for (const id of ids) asked.current.add(id);
    void Promise.all(ids.map((id) => unwrap(client.GET('/api/personnel/{id}', { params: { path: { id } } })).catch(() => undefined))).then((found) =>
      setPeople((prev) => new Map([...prev, ...found.filter((p): p is Person => !!p).map((p) => [p.id, `${p.name}（${p.staffNumber}）`] as const)])),
    );
  }, [personKey]);

  return useMemo(
    () => ({
      recording: (id) => recordings.get(id),
      person: (id) => people.get(id),
      user: (id) => users.get(id),
      department: (id) => departments.get(id)?.name,
    }),
    [recordings, people, users, departments],
  );
}
