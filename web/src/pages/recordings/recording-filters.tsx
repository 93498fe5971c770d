import { SearchOutlined } from '@ant-design/icons';
import { DatePicker, Form, Input, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect } from 'react';
import { ACTIVITIES, PROCESSING_STATES, type Activity, type ProcessingState } from '../../api/shapes.ts';
import type { Department } from '../../api/shapes.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { PersonSelect } from '../../components/person-select.tsx';
import { FilterActions } from '../../components/filter-actions.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { isoToShanghaiWallClock, shanghaiWallClockToIso } from '../../lib/time.ts';
import { check } from '../../lib/use-url-filters.ts';

/** Filters as GET /api/recordings takes them (第十五条: department, device, officer, time, party, case). */
export interface RecordingQuery {
  q?: string;
  departmentId?: string;
  deviceNumber?: string;
  officerId?: string;
  from?: string;
  to?: string;
  party?: string;
  caseName?: string;
  activity?: Activity;
  processingState?: ProcessingState;
  sort?: 'recordedStart' | 'uploadedAt';
}

/** The recordings list keeps these filters in its URL (shareable, reloadable, restored by Back). */
export const recordingFilterSpec = {
  q: check.text(100),
  departmentId: check.uuid,
  officerId: check.uuid,
  deviceNumber: check.text(40),
  from: check.instant,
  to: check.instant,
  party: check.text(100),
  caseName: check.text(100),
  activity: check.oneOf(ACTIVITIES),
  processingState: check.oneOf(PROCESSING_STATES),
  sort: check.oneOf(['recordedStart', 'uploadedAt']),
};

interface Values extends Omit<RecordingQuery, 'from' | 'to'> {
  range?: [Dayjs | null, Dayjs | null] | null;
}

const clean = (s: string | undefined) => s?.trim() || undefined;

/** Every 第十五条 search field plus activity, processing state, full text and the sort order. */
export function RecordingFilters({ departments, value, onChange }: { departments: Department[] | undefined; value: RecordingQuery; onChange(q: RecordingQuery): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();

  // The form shows the applied filters: on arrival from a link, after a reload and after Back.
  const valueKey = JSON.stringify(value);
  useEffect(() => {
    const { from, to, ...rest } = JSON.parse(valueKey) as RecordingQuery;
    // Every field set explicitly (absent ones cleared) rather than resetFields(), which would
    // remount the fields' inputs (and make the officer picker look its person up again).
    const cleared = Object.fromEntries(Object.keys(recordingFilterSpec).map((k) => [k, undefined]));
    form.setFieldsValue({ ...cleared, sort: 'recordedStart', ...rest, range: from || to ? [isoToShanghaiWallClock(from) ?? null, isoToShanghaiWallClock(to) ?? null] : undefined });
  }, [valueKey, form]);

  const apply = (v: Values) => {
    const [from, to] = v.range ?? [];
    onChange({
      q: clean(v.q),
      departmentId: v.departmentId || undefined,
      deviceNumber: clean(v.deviceNumber),
      officerId: v.officerId || undefined,
      from: from ? shanghaiWallClockToIso(from) : undefined,
      to: to ? shanghaiWallClockToIso(to) : undefined,
      party: clean(v.party),
      caseName: clean(v.caseName),
      activity: v.activity,
      processingState: v.processingState,
      // The default order stays out of the URL.
      sort: v.sort === 'recordedStart' ? undefined : v.sort,
    });
  };

  return (
    <Form<Values> form={form} name="recording-filters" layout="inline" onFinish={apply} initialValues={{ sort: 'recordedStart' }} style={{ marginBottom: 16, rowGap: 8 }} data-testid="recording-filters">
      <Form.Item name="q">
        <Input prefix={<SearchOutlined />} placeholder={t('recList.searchPlaceholder')} allowClear style={{ width: 300 }} />
      </Form.Item>
      <Form.Item name="departmentId">
        <DepartmentSelect departments={departments} allowClear placeholder={t('rec.department')} style={{ width: 200 }} />
      </Form.Item>
      <Form.Item name="officerId">
        <PersonSelect placeholder={t('rec.officers')} style={{ width: 180 }} />
      </Form.Item>
      <Form.Item name="deviceNumber">
        <Input placeholder={t('rec.deviceNumber')} allowClear style={{ width: 150 }} />
      </Form.Item>
      <Form.Item name="range">
        <DatePicker.RangePicker
          showTime={{ format: 'HH:mm' }}
          format="YYYY-MM-DD HH:mm"
          allowEmpty={[true, true]}
          placeholder={[t('rec.recordedStart'), t('rec.recordedEnd')]}
          style={{ width: 320 }}
        />
      </Form.Item>
      <Form.Item name="party">
        <Input placeholder={t('rec.party')} allowClear style={{ width: 160 }} />
      </Form.Item>
      <Form.Item name="caseName">
        <Input placeholder={t('rec.caseName')} allowClear style={{ width: 180 }} />
      </Form.Item>
      <Form.Item name="activity">
        <Select allowClear placeholder={t('rec.activity')} style={{ width: 140 }} options={ACTIVITIES.map((a) => ({ value: a, label: t(`activity.${a}`) }))} />
      </Form.Item>
      <Form.Item name="processingState">
        <Select allowClear placeholder={t('rec.state')} style={{ width: 130 }} options={PROCESSING_STATES.map((s) => ({ value: s, label: t(`procState.${s}`) }))} />
      </Form.Item>
      <Form.Item name="sort">
        <Select
          style={{ width: 160 }}
          options={[
            { value: 'recordedStart', label: t('recList.sortRecorded') },
            { value: 'uploadedAt', label: t('recList.sortUploaded') },
          ]}
        />
      </Form.Item>
      <FilterActions form={form} onReset={() => onChange({})} />
    </Form>
  );
}
