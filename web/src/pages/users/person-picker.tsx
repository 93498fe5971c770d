import { Select, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Person } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';

interface Option {
  value: string;
  label: string;
}

const optionOf = (p: Person): Option => ({ value: p.id, label: `${p.name}（${p.staffNumber} · ${p.departmentName}）` });

/**
 * Links an account to a person of the register. The register can be large, so it searches the
 * server as the user types (debounced) instead of loading everyone.
 */
export function PersonPicker({ value, onChange, id }: { value?: string | null; onChange?(v: string | null): void; id?: string }) {
  const { t } = useI18n();
  const [options, setOptions] = useState<Option[]>([]);
  const [searching, setSearching] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(0);

  // The current link is shown by name even before any search.
  useEffect(() => {
    if (!value || options.some((o) => o.value === value)) return;
    unwrap(client.GET('/api/personnel/{id}', { params: { path: { id: value } } })).then((p) => setOptions((prev) => [optionOf(p), ...prev]), () => undefined);
  }, [value, options]);

  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const n = ++latest.current;
      setSearching(true);
      unwrap(client.GET('/api/personnel', { params: { query: { q: q.trim(), limit: 20 } } }))
        .then((r) => n === latest.current && setOptions(r.items.map(optionOf)))
        .catch(() => undefined)
        .finally(() => n === latest.current && setSearching(false));
    }, 300);
  };

  return (
    <Select<string>
      id={id}
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
      allowClear
      options={options}
      placeholder={t('users.personSearch')}
      showSearch={{ filterOption: false, onSearch: search }}
      onOpenChange={(open) => open && options.length <= 1 && search('')}
      notFoundContent={searching ? <Spin size="small" /> : undefined}
    />
  );
}
