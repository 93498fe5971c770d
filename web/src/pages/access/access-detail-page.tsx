import { Alert, Button, Card, Descriptions, Form, Input, Radio, Space, Table, Tag, Typography } from 'antd';
import { DatePicker } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime, isoToShanghaiWallClock, shanghaiWallClockToIso } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { refreshAccessCounts, type AccessRequest } from './access-api.ts';
import { GrantStateTag, ModeTag, RequestStateTag } from './access-tags.tsx';

type Recording = AccessRequest['recordings'][number];

/** One request: what was asked, the recordings (the approver's list), the decision, the grant and its copies. */
export default function AccessDetailPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { me } = useSession();
  const [r, setR] = useState<AccessRequest>();
  const [selected, setSelected] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ mode: 'view' | 'copy'; period: [Dayjs, Dayjs]; note?: string; reason?: string }>();

  const show = useCallback((x: AccessRequest) => {
    setR(x);
    setSelected(x.recordings.map((rec) => rec.id));
    form.setFieldsValue({ mode: x.mode, period: [isoToShanghaiWallClock(x.periodFrom)!, isoToShanghaiWallClock(x.periodUntil)!] });
  }, [form]);
  useEffect(() => {
    unwrap(client.GET('/api/access-requests/{id}', { params: { path: { id } } })).then(show, notifyError);
  }, [id, show]);

  const act = async (call: () => Promise<AccessRequest>) => {
    setBusy(true);
    try {
      show(await call());
      refreshAccessCounts();
      notifySuccess(t('access.done'));
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };
  const path = { path: { id } };
  const approve = () => {
    const v = form.getFieldsValue();
    return act(() =>
      unwrap(client.POST('/api/access-requests/{id}/approve', { params: path, body: { recordingIds: selected, mode: v.mode, periodFrom: shanghaiWallClockToIso(v.period[0]), periodUntil: shanghaiWallClockToIso(v.period[1]), ...(v.note && { note: v.note }) } })),
    );
  };
  const deny = () => act(() => unwrap(client.POST('/api/access-requests/{id}/deny', { params: path, body: { reason: form.getFieldValue('reason') ?? '' } })));
  const withdraw = () => act(() => unwrap(client.POST('/api/access-requests/{id}/withdraw', { params: path })));
  const revoke = () => act(() => unwrap(client.POST('/api/access-grants/{id}/revoke', { params: { path: { id: r!.grant!.id } }, body: { reason: form.getFieldValue('reason') ?? '' } })));
  const review = (outcome: 'signed_off' | 'referred') =>
    act(() => unwrap(client.POST('/api/access-grants/{id}/review', { params: { path: { id: r!.grant!.id } }, body: { outcome, ...(form.getFieldValue('note') && { note: form.getFieldValue('note') }) } })));

  if (!r) return <Card loading />;
  const g = r.grant;
  const recordings = g ? g.recordings : r.recordings;
  const user = (u: AccessRequest['decidedBy']) => (u ? (u.displayName ?? u.username) : '—');

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card title={<Space>{t('access.detail.title')}{r.emergency && <Tag color="red">{t('access.emergency')}</Tag>}</Space>} extra={<Link to="/access">{t('nav.accessGroup')}</Link>}>
        <Descriptions column={2} size="small" bordered>
          <Descriptions.Item label={t('access.col.requester')}>{user(r.requester)}</Descriptions.Item>
          <Descriptions.Item label={t('access.col.createdAt')}>{formatTime(r.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('access.col.department')}>
            {r.departmentName} {r.crossDepartment && <Tag color="orange">{t('access.crossDepartment')}</Tag>}
          </Descriptions.Item>
          <Descriptions.Item label={t('access.col.mode')}><ModeTag mode={r.mode} /></Descriptions.Item>
          <Descriptions.Item label={t('access.col.purpose')} span={2}><Typography.Text style={{ whiteSpace: 'pre-wrap' }}>{r.purpose}</Typography.Text></Descriptions.Item>
          <Descriptions.Item label={t('access.col.period')} span={2}>{formatTime(r.periodFrom)} – {formatTime(r.periodUntil)}</Descriptions.Item>
          {r.query && <Descriptions.Item label={t('access.field.byQuery')} span={2}>{t(`access.query.${r.query.type}`)}：{Object.entries(r.query).filter(([k]) => k !== 'type').map(([, v]) => v).join(' · ')}</Descriptions.Item>}
          <Descriptions.Item label={t('access.col.state')}><RequestStateTag state={r.state} /></Descriptions.Item>
          <Descriptions.Item label={t('access.decidedBy')}>{user(r.decidedBy)} {r.decidedAt && formatTime(r.decidedAt)}</Descriptions.Item>
          {r.decisionReason && <Descriptions.Item label={t('access.decisionReason')} span={2}>{r.decisionReason}</Descriptions.Item>}
        </Descriptions>
      </Card>

      {g && (
        <Card title={t('access.col.grant')}>
          <Descriptions column={2} size="small" bordered>
            <Descriptions.Item label={t('access.col.state')}><GrantStateTag state={g.state} /></Descriptions.Item>
            <Descriptions.Item label={t('access.col.mode')}><ModeTag mode={g.mode} /></Descriptions.Item>
            <Descriptions.Item label={t('access.col.period')} span={2}>{formatTime(g.validFrom)} – {formatTime(g.validUntil)}</Descriptions.Item>
            <Descriptions.Item label={t('access.approvedBy')}>{g.emergency ? t('access.emergency') : user(g.approvedBy)}</Descriptions.Item>
            <Descriptions.Item label={t('access.col.copies')}><span data-testid="grant-copies">{g.copies}</span></Descriptions.Item>
            {g.revokedAt && <Descriptions.Item label={t('access.revokedBy')} span={2}>{user(g.revokedBy)} {formatTime(g.revokedAt)} {g.revokeReason}</Descriptions.Item>}
            {g.reviewState !== 'none' && (
              <Descriptions.Item label={t('access.reviewedBy')} span={2}>
                <Tag>{t(`access.review.${g.reviewState}`)}</Tag> {user(g.reviewedBy)} {g.reviewedAt && formatTime(g.reviewedAt)} {g.reviewNote}
              </Descriptions.Item>
            )}
          </Descriptions>
        </Card>
      )}

      <Card title={!g && r.kind === 'query' ? t('access.recordingsMatch') : t('access.recordings')}>
        {!g && r.kind === 'query' && !r.canDecide && !recordings.length ? (
          <Typography.Text type="secondary">{t('access.recordingsHidden')}</Typography.Text>
        ) : (
          <Table<Recording>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={recordings}
            rowSelection={r.canDecide ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as string[]) } : undefined}
            columns={[
              { title: t('access.recordings'), dataIndex: 'fileName', render: (v: string, rec) => (g?.state === 'live' ? <Link to={`/recordings/${rec.id}`}>{v}</Link> : v) },
              { title: t('access.field.range'), dataIndex: 'recordedStart', render: (v: string) => formatTime(v) },
              { title: t('access.field.person'), dataIndex: 'officers', render: (v: string[]) => v.join('、') },
              { title: t('access.field.deviceNumber'), dataIndex: 'deviceNumber' },
              { title: t('access.field.caseNumber'), dataIndex: 'caseNumber' },
            ]}
          />
        )}
      </Card>

      {(r.canDecide || r.canRevoke || r.canReview || (r.state === 'pending' && r.requester?.id === me?.id)) && (
        <Card title={t('access.decision')}>
          {r.crossDepartment && r.state === 'pending' && <Alert type="info" showIcon message={t('access.crossDepartment')} style={{ marginBottom: 16 }} />}
          <Form form={form} layout="vertical" disabled={busy}>
            {r.canDecide && (
              <>
                <Form.Item name="mode" label={t('access.field.mode')}>
                  <Radio.Group options={[{ value: 'view', label: t('access.mode.view') }, ...(r.mode === 'copy' ? [{ value: 'copy', label: t('access.mode.copy') }] : [])]} />
                </Form.Item>
                <Form.Item name="period" label={t('access.field.period')}>
                  <DatePicker.RangePicker showTime />
                </Form.Item>
                <Form.Item name="note" label={t('access.field.note')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>
              </>
            )}
            {r.canReview && <Form.Item name="note" label={t('access.field.note')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>}
            {(r.canDecide || r.canRevoke) && <Form.Item name="reason" label={t('access.field.reason')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>}
            <Space wrap>
              {r.canDecide && <Button type="primary" onClick={approve} disabled={!selected.length} data-testid="approve">{t('access.approveAsSelected')}</Button>}
              {r.canDecide && <Button danger onClick={deny}>{t('access.deny')}</Button>}
              {r.canReview && <Button type="primary" onClick={() => review('signed_off')}>{t('access.signOff')}</Button>}
              {r.canReview && <Button danger onClick={() => review('referred')}>{t('access.refer')}</Button>}
              {r.canRevoke && <Button danger onClick={revoke}>{t('access.revoke')}</Button>}
              {r.state === 'pending' && r.requester?.id === me?.id && <Button onClick={withdraw}>{t('access.withdraw')}</Button>}
            </Space>
          </Form>
        </Card>
      )}
    </Space>
  );
}
