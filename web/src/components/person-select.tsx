import { Flex, Select, Spin, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { client, unwrap } from '../api/client.ts';
import type { Person } from '../api/shapes.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { QualificationTag } from './qualification-tag.tsx';

interface BaseProps {
  id?: string;
  placeholder?: string;
  /** Search only within this department (and what the server's scope allows). */
  departmentId?: string;
  style?: React.CSSProperties;
}
type Props =
  | (BaseProps & { mode: 'multiple'; value?: string[]; onChange?(v: string[]): void })
  | (BaseProps & { mode?: undefined; value?: string | null; onChange?(v: string | undefined): void });

const labelOf = (p: Person) => `${p.name}（${p.staffNumber}）`;

/**
 * Picks people of the register (officers of a recording, or an officer to filter by). The register
 * can be large, so it searches the server as the user types instead of loading everyone; each option
 * shows the person's qualification (第七条) so that an unqualified officer is seen before the server
 * refuses them.
 */
export function PersonSelect(props: Props) {
  const { id, placeholder, departmentId, style } = props;
  const { t } = useI18n();
  const [known, setKnown] = useState<Map<string, Person>>(new Map());
  // Chosen ids the server would not give (deleted, unknown, or outside the user's scope).
  const [unreadable, setUnreadable] = useState<ReadonlySet<string>>(new Set());
  const [found, setFound] = useState<Person[]>([]);
  const [searching, setSearching] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(0);
  // Every id is asked for at most once. (Keying the effect on `known` re-ran it after every answer,
  // and an id that could not be read was asked for again at once — a request loop, issue 6 item 26.)
  const asked = useRef(new Set<string>());
  const knownRef = useRef(known);
  knownRef.current = known;

  const selected = props.mode === 'multiple' ? (props.value ?? []) : props.value ? [props.value] : [];
  const selectedKey = selected.join(',');

  // People already chosen (an edit form, the signed-in officer, a filter from a link) are shown by
  // name before any search.
  useEffect(() => {
    const missing = selectedKey.split(',').filter((pid) => pid && !knownRef.current.has(pid) && !asked.current.has(pid));
    if (!missing.length) return;
    for (const pid of missing) asked.current.add(pid);
    void Promise.all(missing.map((pid) => unwrap(client.GET('/api/personnel/{id}', { params: { path: { id: pid } } })).then((p) => [pid, p] as const, () => [pid, undefined] as const))).then((answers) => {
      const people = answers.flatMap(([, p]) => (p ? [p] : []));
      const failed = answers.flatMap(([pid, p]) => (p ? [] : [pid]));
      if (people.length) setKnown((prev) => new Map([...prev, ...people.map((p) => [p.id, p] as const)]));
      if (failed.length) setUnreadable((prev) => new Set([...prev, ...failed]));
    });
  }, [selectedKey]);

  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const n = ++latest.current;
      setSearching(true);
      unwrap(client.GET('/api/personnel', { params: { query: { q: q.trim(), departmentId, limit: 20 } } }))
        .then((r) => {
          if (n !== latest.current) return;
          setFound(r.items);
          setKnown((prev) => new Map([...prev, ...r.items.map((p) => [p.id, p] as const)]));
        })
        .catch(() => undefined)
        .finally(() => n === latest.current && setSearching(false));
    }, 250);
  };

  const people = [...selected.map((pid) => known.get(pid)).filter((p): p is Person => !!p), ...found.filter((p) => !selected.includes(p.id))];
  const unreadableLabel = (pid: string) => `${t('person.unreadable')}（${pid.slice(0, 8)}…）`;
  const options = [
    ...selected.filter((pid) => !known.has(pid) && unreadable.has(pid)).map((pid) => ({ value: pid, label: unreadableLabel(pid) })),
    ...people.map((p) => ({ value: p.id, label: labelOf(p) })),
  ];

  const common = {
    id,
    options,
    placeholder,
    style: style ?? { width: '100%' },
    allowClear: true,
    showSearch: { filterOption: false, onSearch: search },
    onOpenChange: (open: boolean) => open && search(''),
    notFoundContent: searching ? <Spin size="small" /> : undefined,
    optionRender: (o: { value?: string | number | null; label?: React.ReactNode }) => {
      const p = known.get(String(o.value));
      if (!p) return o.label;
      return (
        <Flex justify="space-between" align="center" gap={8}>
          <span>
            {labelOf(p)}
            <Typography.Text type="secondary" style={{ marginLeft: 6, fontSize: 12 }}>
              {p.departmentName}
            </Typography.Text>
          </span>
          <QualificationTag qualification={p.qualification} />
        </Flex>
      );
    },
  };

  if (props.mode === 'multiple') {
    return (
      <Select<string[]>
        {...common}
        mode="multiple"
        value={props.value ?? []}
        onChange={(v) => props.onChange?.(v)}
        // A chosen officer who is not qualified today stands out in red before the server says so.
        tagRender={({ value, label, closable, onClose }) => {
          const p = known.get(String(value));
          return (
            <Tag color={p && !p.qualification.qualified ? 'red' : undefined} closable={closable} onClose={onClose} style={{ marginInlineEnd: 4 }}>
              {p ? labelOf(p) : label}
            </Tag>
          );
        }}
      />
    );
  }
  return <Select<string> {...common} value={props.value ?? undefined} onChange={(v) => props.onChange?.(v ?? undefined)} />;
}
