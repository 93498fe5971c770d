import { DownloadOutlined, FileZipOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Flex, Input, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { ResponseOf } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes } from '../../lib/format.ts';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';

type Pkg = ResponseOf<'/api/evidence-packages/{id}', 'get'>;
type Deadline = { id: string; kind: 'reconsideration' | 'litigation'; dueOn: string; deliveredOn: string | null };

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12, wordBreak: 'break-all' } as const;
const stateColor = { queued: 'default', building: 'processing', ready: 'success', failed: 'error' } as const;

/**
 * 证据包 (第十三条): asks the server for an evidence package of a case (its linked recordings and case file) or of
 * one recording — the server decides (a live copy grant over every item) and builds it in a job; the card polls
 * the build's progress (bytes streamed / total), offers the download (audited) and, for a case, records the
 * delivery against one of its open evidence deadlines.
 */
export function EvidencePackageCard({ caseId, recordingIds, deadlines, onDelivered }: { caseId?: string; recordingIds?: string[]; deadlines?: Deadline[]; onDelivered?: () => void }) {
  const { t } = useI18n();
  const [packages, setPackages] = useState<Pkg[]>([]);
  const [making, setMaking] = useState(false);
  const [deliver, setDeliver] = useState<{ pkg: string; deadlineId?: string; on?: Dayjs; note: string }>();

  const load = useCallback(async () => {
    const all = await unwrap(client.GET('/api/evidence-packages', { params: { query: { ...(caseId && { caseId }), limit: 20 } } }));
    setPackages(caseId ? all : all.filter((p) => recordingIds && p.caseId === null && p.recordingIds.join() === recordingIds.join()));
  }, [caseId, recordingIds?.join()]);

  useEffect(() => {
    load().catch(() => undefined);
  }, [load]);
  // While a package is queued or building, its progress is asked for every 2 s.
  const busy = packages.some((p) => p.state === 'queued' || p.state === 'building');
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => void load().catch(() => undefined), 2000);
    return () => clearInterval(timer);
  }, [busy, load]);

  const make = async () => {
    setMaking(true);
    try {
      await unwrap(client.POST('/api/evidence-packages', { body: caseId ? { caseId } : { recordingIds: recordingIds! } }));
      await load();
    } catch (e) {
      notifyError(e);
    } finally {
      setMaking(false);
    }
  };

  const submitDelivery = async () => {
    if (!deliver?.deadlineId || !deliver.on) return;
    try {
      await unwrap(
        client.POST('/api/evidence-packages/{id}/delivery', {
          params: { path: { id: deliver.pkg } },
          body: { deadlineId: deliver.deadlineId, deliveredOn: deliver.on.format('YYYY-MM-DD'), note: deliver.note.trim() || null },
        }),
      );
      setDeliver(undefined);
      onDelivered?.();
    } catch (e) {
      notifyError(e);
    }
  };

  const open = (deadlines ?? []).filter((d) => !d.deliveredOn);
  return (
    <Card
      title={t('pkg.title')}
      style={{ marginBottom: 16 }}
      data-testid="evidence-package-card"
      extra={
        <Button type="primary" icon={<FileZipOutlined />} onClick={() => void make()} loading={making} data-testid="pkg-make">
          {t('pkg.make')}
        </Button>
      }
    >
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">{t(caseId ? 'pkg.introCase' : 'pkg.introRecording')}</Typography.Text>
        <Table<Pkg>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={packages}
          locale={{ emptyText: t('pkg.none') }}
          columns={[
            { title: t('pkg.col.created'), dataIndex: 'createdAt', render: (v: string) => formatTime(v), width: 170 },
            {
              title: t('pkg.col.state'),
              render: (_, p) => (
                <Space direction="vertical" size={2} style={{ width: '100%' }}>
                  <Tag color={stateColor[p.state]} data-testid={`pkg-state-${p.id}`}>{t(`pkg.state.${p.state}`)}</Tag>
                  {(p.state === 'building' || p.state === 'queued') && (
                    <Progress percent={p.bytesTotal ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 0} size="small" format={() => `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`} />
                  )}
                  {p.error && <Typography.Text type="danger">{p.error}</Typography.Text>}
                </Space>
              ),
            },
            {
              title: t('pkg.col.file'),
              render: (_, p) =>
                p.state === 'ready' ? (
                  <Space direction="vertical" size={2}>
                    <span>{formatBytes(p.fileSize)}</span>
                    <Typography.Text style={mono} copyable={{ text: p.sha256 ?? '' }}>SHA-256 {p.sha256?.slice(0, 16)}…</Typography.Text>
                  </Space>
                ) : (
                  '—'
                ),
            },
            {
              title: '',
              render: (_, p) =>
                p.state === 'ready' ? (
                  <Space wrap>
                    <a href={p.downloadUrl ?? undefined} data-testid={`pkg-download-${p.id}`}>
                      <Button size="small" icon={<DownloadOutlined />}>{t('pkg.download')}</Button>
                    </a>
                    {caseId && open.length > 0 && (
                      <Button size="small" icon={<SendOutlined />} onClick={() => setDeliver({ pkg: p.id, note: '' })} data-testid={`pkg-deliver-${p.id}`}>
                        {t('pkg.deliver')}
                      </Button>
                    )}
                  </Space>
                ) : null,
            },
          ]}
        />
        {deliver && (
          <Alert
            type="info"
            title={t('pkg.deliverTitle')}
            description={
              <Space wrap>
                <Select
                  style={{ minWidth: 220 }}
                  placeholder={t('pkg.deadline')}
                  value={deliver.deadlineId}
                  onChange={(v) => setDeliver({ ...deliver, deadlineId: v })}
                  options={open.map((d) => ({ value: d.id, label: `${t(`pkg.kind.${d.kind}`)} · ${t('pkg.due', { on: d.dueOn })}` }))}
                  data-testid="pkg-deadline"
                />
                <DatePicker value={deliver.on} onChange={(v) => setDeliver({ ...deliver, on: v ?? undefined })} placeholder={t('pkg.deliveredOn')} />
                <Input style={{ width: 220 }} value={deliver.note} maxLength={300} onChange={(e) => setDeliver({ ...deliver, note: e.target.value })} placeholder={t('pkg.note')} />
                <Button type="primary" disabled={!deliver.deadlineId || !deliver.on} onClick={() => void submitDelivery()} data-testid="pkg-deliver-submit">
                  {t('pkg.deliverSubmit')}
                </Button>
                <Button onClick={() => setDeliver(undefined)}>{t('pkg.cancel')}</Button>
              </Space>
            }
          />
        )}
      </Flex>
    </Card>
  );
}
