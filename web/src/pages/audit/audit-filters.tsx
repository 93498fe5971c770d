import { AutoComplete, DatePicker, Form, Input, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect } from 'react';
import { zh } from '../../i18n/dictionary-zh.ts';
import { FilterActions } from '../../components/filter-actions.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { isoToShanghaiWallClock, shanghaiWallClockToIso } from '../../lib/time.ts';
import { check } from '../../lib/use-url-filters.ts';

/** Filters as the API takes them (`GET /api/audit-events`). */
export interface AuditQuery {
  actor?: string;
  action?: string;
  targetType?: string;
  from?: string;
  to?: string;
  /** One object's history (links from an event's target); shown as a removable tag, not a form field. */
  targetId?: string;
}

/** The audit log keeps these filters in its URL (shareable, reloadable, restored by Back). */
export const auditFilterSpec = {
  actor: check.text(80),
  action: check.text(80),
  targetType: check.text(40),
  targetId: check.text(80),
  from: check.instant,
  to: check.instant,
};

interface Values {
  actor?: string;
  action?: string;
  targetType?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

// The actions and target types the dictionary names; any other prefix can still be typed in.
const knownActions = Object.keys(zh).filter((k) => k.startsWith('action.')).map((k) => k.slice('action.'.length));
const knownPrefixes = [...new Set(knownActions.map((a) => `${a.split('.')[0]}.`))];
const knownTargets = Object.keys(zh).filter((k) => k.startsWith('target.')).map((k) => k.slice('target.'.length));

/** Actor username, action (prefix), target type and a Beijing-time range. */
export function AuditFilters({ value, onChange }: { value: AuditQuery; onChange(q: AuditQuery): void }) {
  const { t, maybe } = useI18n();
  const [form] = Form.useForm<Values>();

  // The form shows the applied filters: on arrival from a link, after a reload and after Back.
  const valueKey = JSON.stringify(value);
  useEffect(() => {
    const { from, to, actor, action, targetType } = JSON.parse(valueKey) as AuditQuery;
    form.setFieldsValue({ actor, action, targetType, range: from || to ? [isoToShanghaiWallClock(from) ?? null, isoToShanghaiWallClock(to) ?? null] : undefined });
  }, [valueKey, form]);

  const apply = (v: Values) => {
    const [from, to] = v.range ?? [];
    onChange({
      // A one-object view stays while its type is kept (the tag above the table removes it).
      targetId: v.targetType && v.targetType === value.targetType ? value.targetId : undefined,
      actor: v.actor?.trim() || undefined,
      action: v.action?.trim() || undefined,
      targetType: v.targetType || undefined,
      from: from ? shanghaiWallClockToIso(from) : undefined,
      to: to ? shanghaiWallClockToIso(to) : undefined,
    });
  };

  const actionOptions = [
    ...knownPrefixes.map((p) => ({ value: p, label: `${p}*` })),
    ...knownActions.map((a) => ({ value: a, label: `${maybe(`action.${a}`) ?? a}（${a}）` })),
  ];

  return (
    <Form form={form} layout="inline" onFinish={apply} style={{ marginBottom: 16, rowGap: 8 }}>
      <Form.Item name="actor">
        <Input placeholder={t('audit.filterActor')} allowClear style={{ width: 160 }} />
      </Form.Item>
      <Form.Item name="action">
        <AutoComplete
          options={actionOptions}
          placeholder={t('audit.filterAction')}
          allowClear
          style={{ width: 160 }}
          showSearch={{ filterOption: (input, o) => String(o?.value ?? '').includes(input) || String(o?.label ?? '').includes(input) }}
        />
      </Form.Item>
      <Form.Item name="targetType">
        <Select
          placeholder={t('audit.filterTarget')}
          allowClear
          style={{ width: 130 }}
          options={knownTargets.map((k) => ({ value: k, label: maybe(`target.${k}`) ?? k }))}
        />
      </Form.Item>
      <Form.Item name="range">
        <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" allowEmpty={[true, true]} style={{ width: 290 }} />
      </Form.Item>
      <FilterActions form={form} onReset={() => onChange({})} />
    </Form>
  );
}
