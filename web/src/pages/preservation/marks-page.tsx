import { Button, Card, Input, Modal, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { groundKey, MARK_STATE_COLORS, markStateKey, type Mark, type MarkState } from './preservation-api.ts';

type Filter = MarkState | 'all';
const FILTERS: Filter[] = ['proposed', 'approved', 'released', 'rejected', 'all'];

/** 长期保存标记 (第十二条): the marks the user may see; leaders approve, reject or release them here. */
export default function MarksPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const filter = (params.get('state') as Filter | null) ?? 'proposed';
  const [marks, setMarks] = useState<Mark[]>();
  const [reasonFor, setReasonFor] = useState<{ mark: Mark; kind: 'reject' | 'release' }>();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    setMarks(undefined);
    unwrap(client.GET('/api/preservation-marks', { params: { query: filter === 'all' ? {} : { state: filter } } })).then((r) => setMarks(r.items), notifyError);
  }, [filter]);
  useEffect(load, [load]);

  const approve = async (m: Mark) => {
    setBusy(true);
    try {
      await unwrap(client.POST('/api/preservation-marks/{id}/approve', { params: { path: { id: m.id } }, body: {} }));
      notifySuccess(t('pres.approved'));
      load();
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };
  const withReason = async () => {
    if (!reasonFor) return;
    setBusy(true);
    try {
      const path = { id: reasonFor.mark.id };
      if (reasonFor.kind === 'reject') await unwrap(client.POST('/api/preservation-marks/{id}/reject', { params: { path }, body: { reason } }));
      else await unwrap(client.POST('/api/preservation-marks/{id}/release', { params: { path }, body: { reason } }));
      notifySuccess(t(reasonFor.kind === 'reject' ? 'pres.rejected' : 'pres.released'));
      setReasonFor(undefined);
      setReason('');
      load();
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('pres.list.title')}>
      <Segmented<Filter>
        value={filter}
        onChange={(v) => setParams({ state: v })}
        options={FILTERS.map((f) => ({ value: f, label: f === 'all' ? t('common.all') : t(markStateKey(f)) }))}
        style={{ marginBottom: 16 }}
      />
      <Table<Mark>
        rowKey="id"
        loading={!marks}
        dataSource={marks}
        pagination={false}
        data-testid="marks-table"
        columns={[
          {
            key: 'ground',
            title: t('pres.list.ground'),
            render: (_, m) => (
              <Space direction="vertical" size={0}>
                <span>{t(groundKey(m.ground))}</span>
                {m.description && <Typography.Text type="secondary">{m.description}</Typography.Text>}
              </Space>
            ),
          },
          {
            key: 'recordings',
            title: t('pres.list.recordings'),
            render: (_, m) => (
              <Space direction="vertical" size={0}>
                {m.recordings.map((r) => (
                  <Link key={r.id} to={`/recordings/${r.id}`}>
                    {r.fileName}
                  </Link>
                ))}
              </Space>
            ),
          },
          { key: 'proposed', title: t('pres.list.proposedBy'), render: (_, m) => `${m.proposedBy?.username ?? '—'} · ${formatTime(m.proposedAt, false)}` },
          { key: 'decided', title: t('pres.list.decidedBy'), render: (_, m) => (m.decidedBy ? `${m.decidedBy.username} · ${formatTime(m.decidedAt, false)}` : '—') },
          { key: 'state', title: t('pres.list.state'), render: (_, m) => <Tag color={MARK_STATE_COLORS[m.state]}>{t(markStateKey(m.state))}</Tag> },
          {
            key: 'actions',
            title: t('common.actions'),
            render: (_, m) => (
              <Space>
                {m.mayDecide && (
                  <>
                    <Button size="small" type="primary" loading={busy} onClick={() => approve(m)} data-testid={`mark-approve-${m.id}`}>
                      {t('pres.approve')}
                    </Button>
                    <Button size="small" onClick={() => setReasonFor({ mark: m, kind: 'reject' })}>
                      {t('pres.reject')}
                    </Button>
                  </>
                )}
                {m.mayRelease && (
                  <Button size="small" danger onClick={() => setReasonFor({ mark: m, kind: 'release' })}>
                    {t('pres.release')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={!!reasonFor}
        title={reasonFor && t(reasonFor.kind === 'reject' ? 'pres.reject' : 'pres.release')}
        onCancel={() => setReasonFor(undefined)}
        onOk={withReason}
        okButtonProps={{ disabled: reason.trim().length < 2, loading: busy }}
        destroyOnHidden
      >
        <Typography.Text>{t('pres.reason')}</Typography.Text>
        <Input.TextArea rows={3} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
      </Modal>
    </Card>
  );
}
