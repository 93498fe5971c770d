import { Alert, Button, Card, DatePicker, Form, Input, Radio, Select } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { useDepartments } from '../../lib/use-departments.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { shanghaiWallClockToIso } from '../../lib/time.ts';
import type { AccessCreate } from './access-api.ts';

interface Values {
  by: 'items' | 'query';
  recordingIds?: string;
  queryType: 'case' | 'officerDay' | 'deviceRange';
  caseNumber?: string;
  personId?: string;
  day?: Dayjs;
  deviceNumber?: string;
  range?: [Dayjs, Dayjs];
  departmentId?: string;
  purpose: string;
  mode: 'view' | 'copy';
  period: [Dayjs, Dayjs];
}

const ids = (text = '') => text.split(/[\s,，;；]+/).map((x) => x.trim()).filter(Boolean);

/** 提出调阅申请: chosen recordings (from a list or detail page: ?recordingIds=) or a query; purpose, mode, period. */
export default function AccessNewPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const by = Form.useWatch('by', form);
  const queryType = Form.useWatch('queryType', form);
  const { departments } = useDepartments();

  useEffect(() => {
    const pre = params.get('recordingIds');
    form.setFieldsValue({ by: 'items', queryType: 'case', mode: 'view', recordingIds: pre ? ids(pre).join('\n') : undefined, period: [dayjs().startOf('minute'), dayjs().add(7, 'day').startOf('minute')] });
  }, [form, params]);

  const submit = async () => {
    let v: Values;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const period = { periodFrom: shanghaiWallClockToIso(v.period[0]), periodUntil: shanghaiWallClockToIso(v.period[1]) };
    const query: AccessCreate['query'] =
      v.queryType === 'case'
        ? { type: 'case', caseNumber: v.caseNumber ?? '' }
        : v.queryType === 'officerDay'
          ? { type: 'officerDay', personId: v.personId ?? '', day: v.day?.format('YYYY-MM-DD') ?? '' }
          : { type: 'deviceRange', deviceNumber: v.deviceNumber ?? '', from: v.range ? shanghaiWallClockToIso(v.range[0]) : '', until: v.range ? shanghaiWallClockToIso(v.range[1]) : '' };
    const body: AccessCreate = v.by === 'items' ? { recordingIds: ids(v.recordingIds), purpose: v.purpose, mode: v.mode, ...period } : { query, departmentId: v.departmentId, purpose: v.purpose, mode: v.mode, ...period };
    setBusy(true);
    try {
      const r = await unwrap(client.POST('/api/access-requests', { body }));
      notifySuccess(t('access.submitted'));
      navigate(`/access/${r.id}`);
    } catch (e) {
      showFormError(form, e, ['recordingIds', 'departmentId', 'purpose', 'mode', 'periodFrom', 'periodUntil']);
    } finally {
      setBusy(false);
    }
  };

  const required = [{ required: true }];
  return (
    <Card title={t('access.new.title')} style={{ maxWidth: 760 }}>
      <Form form={form} layout="vertical" disabled={busy}>
        <Form.Item name="by" label={t('access.field.by')}>
          <Radio.Group options={[{ value: 'items', label: t('access.field.byItems') }, { value: 'query', label: t('access.field.byQuery') }]} />
        </Form.Item>
        {by !== 'query' ? (
          <Form.Item name="recordingIds" label={t('access.field.recordingIds')} rules={required}>
            <Input.TextArea rows={3} />
          </Form.Item>
        ) : (
          <>
            <Form.Item name="departmentId" label={t('access.field.department')} rules={required}>
              <DepartmentSelect departments={departments} />
            </Form.Item>
            <Form.Item name="queryType" label={t('access.field.queryType')}>
              <Select options={(['case', 'officerDay', 'deviceRange'] as const).map((k) => ({ value: k, label: t(`access.query.${k}`) }))} />
            </Form.Item>
            {queryType === 'case' && <Form.Item name="caseNumber" label={t('access.field.caseNumber')} rules={required}><Input maxLength={100} /></Form.Item>}
            {queryType === 'officerDay' && (
              <>
                <Form.Item name="personId" label={t('access.field.person')} rules={required}><Input placeholder="UUID" /></Form.Item>
                <Form.Item name="day" label={t('access.field.day')} rules={required}><DatePicker /></Form.Item>
              </>
            )}
            {queryType === 'deviceRange' && (
              <>
                <Form.Item name="deviceNumber" label={t('access.field.deviceNumber')} rules={required}><Input maxLength={100} /></Form.Item>
                <Form.Item name="range" label={t('access.field.range')} rules={required}><DatePicker.RangePicker showTime /></Form.Item>
              </>
            )}
          </>
        )}
        <Form.Item name="purpose" label={t('access.field.purpose')} rules={[{ required: true, min: 4 }]}>
          <Input.TextArea rows={3} maxLength={1000} showCount />
        </Form.Item>
        <Form.Item name="mode" label={t('access.field.mode')}>
          <Radio.Group options={[{ value: 'view', label: t('access.mode.view') }, { value: 'copy', label: t('access.mode.copy') }]} />
        </Form.Item>
        <Form.Item name="period" label={t('access.field.period')} rules={required}>
          <DatePicker.RangePicker showTime />
        </Form.Item>
        <Button type="primary" onClick={submit} loading={busy} data-testid="submit-request">{t('access.submit')}</Button>
      </Form>
    </Card>
  );
}

/** 紧急调阅: chosen recordings and a written reason; live at once for the fixed period, reviewed afterwards. */
export function BreakGlassPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [form] = Form.useForm<{ recordingIds: string; reason: string }>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const pre = params.get('recordingIds');
    if (pre) form.setFieldsValue({ recordingIds: ids(pre).join('\n') });
  }, [form, params]);
  const submit = async () => {
    let v: { recordingIds: string; reason: string };
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    setBusy(true);
    try {
      const r = await unwrap(client.POST('/api/access-requests/break-glass', { body: { recordingIds: ids(v.recordingIds), reason: v.reason } }));
      notifySuccess(t('access.breakGlassOpened'));
      navigate(`/access/${r.id}`);
    } catch (e) {
      showFormError(form, e, ['recordingIds', 'reason']);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('access.breakGlass.title')} style={{ maxWidth: 760 }}>
      <Alert type="warning" showIcon message={t('access.breakGlass.intro')} style={{ marginBottom: 16 }} />
      <Form form={form} layout="vertical" disabled={busy}>
        <Form.Item name="recordingIds" label={t('access.field.recordingIds')} rules={[{ required: true }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item name="reason" label={t('access.field.reason')} rules={[{ required: true, min: 10 }]}>
          <Input.TextArea rows={4} maxLength={1000} showCount />
        </Form.Item>
        <Button danger type="primary" onClick={submit} loading={busy}>{t('nav.accessBreakGlass')}</Button>
      </Form>
    </Card>
  );
}
