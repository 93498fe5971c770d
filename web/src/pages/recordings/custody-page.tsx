import { ArrowLeftOutlined, FilePdfOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Flex, Result, Spin, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { Link, useParams } from 'react-router-dom';
import { client, unwrap, ApiError } from '../../api/client.ts';
import type { CustodyReport as Report } from '../../api/shapes.ts';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';

type CustodyEvent = Report['events'][number];
type FixityCheck = Report['fixityChecks'][number];

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12, wordBreak: 'break-all' } as const;

const CATEGORY_COLOR: Record<CustodyEvent['category'], string> = {
  ingest: 'blue',
  integrity: 'green',
  access: 'gold',
  view: 'purple',
  copy: 'magenta',
  metadata: 'orange',
  handover: 'cyan',
  export: 'red',
  report: 'default',
  other: 'default',
};

/**
 * 保管链 (issue 8 §7): every audit event about one recording from ingest to this reading, with the audit
 * sequence number and hash that prove each, in Beijing time; the fixity checks; and the PDF to download.
 * Opening the page is itself an audited read (the server writes it with the first page).
 */
export default function CustodyPage() {
  const { id = '' } = useParams();
  const { t, language } = useI18n();
  const [report, setReport] = useState<Report>();
  const [failure, setFailure] = useState<ApiError>();
  const [loadingMore, setLoadingMore] = useState(false);
  const pick = (b: { zh: string; en: string }) => (language === 'en' ? b.en : b.zh);

  useEffect(() => {
    setReport(undefined);
    setFailure(undefined);
    unwrap(client.GET('/api/recordings/{id}/custody', { params: { path: { id }, query: {} } })).then(setReport, (e: unknown) => {
      if (e instanceof ApiError && [400, 403, 404].includes(e.status)) setFailure(e);
      else notifyError(e);
    });
  }, [id]);

  const more = useCallback(async () => {
    if (!report?.nextCursor) return;
    setLoadingMore(true);
    try {
      const next = await unwrap(client.GET('/api/recordings/{id}/custody', { params: { path: { id }, query: { cursor: report.nextCursor } } }));
      setReport({ ...report, events: [...report.events, ...next.events], nextCursor: next.nextCursor });
    } catch (e) {
      notifyError(e);
    } finally {
      setLoadingMore(false);
    }
  }, [id, report]);

  if (failure) {
    return <Result status={failure.status === 403 ? '403' : '404'} title={failure.message} extra={<Link to={`/recordings/${id}`}>{t('custody.back')}</Link>} />;
  }
  if (!report) return <Spin style={{ display: 'block', margin: '80px auto' }} />;
  const r = report.recording;

  return (
    <>
      <Flex justify="space-between" align="flex-start" gap={16} style={{ marginBottom: 16 }}>
        <div style={{ minWidth: 0 }}>
          <Link to={`/recordings/${id}`}>
            <ArrowLeftOutlined /> {t('custody.back')}
          </Link>
          <Typography.Title level={3} style={{ margin: '8px 0 0', wordBreak: 'break-all' }}>
            {t('custody.title')} · {r.fileName}
          </Typography.Title>
          <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
            {t('custody.intro')}
          </Typography.Paragraph>
        </div>
        <Button type="primary" icon={<FilePdfOutlined />} href={`/api/recordings/${id}/custody.pdf`} download data-testid="custody-pdf">
          {t('custody.downloadPdf')}
        </Button>
      </Flex>

      <Card title={t('custody.identity')} style={{ marginBottom: 16 }}>
        <Descriptions
          column={1}
          size="small"
          bordered
          styles={{ label: { width: 150 } }}
          items={[
            { key: 'id', label: t('custody.recordingId'), children: <span style={mono}>{r.id}</span> },
            { key: 'dept', label: t('rec.department'), children: r.departmentName },
            { key: 'device', label: t('rec.deviceNumber'), children: r.deviceNumber ?? '—' },
            { key: 'officers', label: t('rec.officers'), children: r.officers.map((o) => `${o.name}（${o.staffNumber}）`).join('、') || '—' },
            { key: 'uploaded', label: t('rec.uploadedBy'), children: `${r.uploadedBy.name}（${r.uploadedBy.staffNumber ?? r.uploadedBy.username}）· ${formatTime(r.uploadedAt)}` },
            { key: 'sha', label: 'SHA-256', children: <span style={mono}>{report.original.sha256}</span> },
            { key: 'sm3', label: 'SM3', children: <span style={mono}>{report.original.sm3}</span> },
            {
              key: 'ingest',
              label: t('custody.ingest'),
              children: report.ingest ? t('custody.ingestValue', { seq: report.ingest.seq, time: formatTime(report.ingest.at) }) : '—',
            },
            { key: 'read', label: t('custody.readEvent'), children: <span data-testid="custody-read-seq">{t('custody.readValue', { seq: report.readEvent.seq, hash: report.readEvent.hash.slice(0, 16) })}</span> },
            { key: 'key', label: t('custody.key'), children: <span style={mono}>{`${report.installationKey.algorithm} ${report.installationKey.fingerprint}`}</span> },
          ]}
        />
      </Card>

      <Card title={t('custody.fixity')} style={{ marginBottom: 16 }}>
        <Table<FixityCheck>
          size="small"
          rowKey={(c) => `${c.checkedAt}-${c.sha256}`}
          dataSource={report.fixityChecks}
          pagination={false}
          locale={{ emptyText: t('custody.fixityNone') }}
          columns={[
            { title: t('custody.col.checkedAt'), dataIndex: 'checkedAt', width: 180, render: (v: string) => formatTime(v) },
            { title: t('custody.col.object'), dataIndex: 'object', width: 110, render: (v: FixityCheck['object']) => t(`custody.object.${v}` as DictKey) },
            { title: t('custody.col.result'), key: 'result', width: 130, render: (_: unknown, c) => <Tag color={c.result === 'ok' ? 'green' : 'red'}>{pick(c.resultText)}</Tag> },
            { title: t('custody.col.reason'), dataIndex: 'reason', render: (v: FixityCheck['reason']) => t(`custody.reason.${v}` as DictKey) },
            { title: t('custody.col.proof'), dataIndex: 'proofSeq', width: 150, render: (v: string | null) => v ?? '—' },
          ]}
        />
      </Card>

      <Card title={t('custody.events')} extra={<Typography.Text type="secondary">{t('custody.eventCount', { n: report.events.length })}</Typography.Text>}>
        <Table<CustodyEvent>
          size="small"
          rowKey="seq"
          dataSource={report.events}
          pagination={false}
          data-testid="custody-events"
          onRow={(e) => ({ 'data-action': e.action, 'data-seq': e.seq }) as HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('custody.col.seq'), dataIndex: 'seq', width: 80, render: (v: string) => <strong>{v}</strong> },
            { title: t('custody.col.time'), dataIndex: 'atBeijing', width: 170 },
            { title: t('custody.col.actor'), key: 'actor', width: 170, render: (_: unknown, e) => pick(e.actorText) },
            {
              title: t('custody.col.event'),
              key: 'event',
              width: 220,
              render: (_: unknown, e) => (
                <>
                  <Tag color={CATEGORY_COLOR[e.category]}>{t(`custody.category.${e.category}` as DictKey)}</Tag>
                  <div>{pick(e.title)}</div>
                </>
              ),
            },
            {
              title: t('custody.col.detail'),
              key: 'detail',
              render: (_: unknown, e) => (
                <>
                  {pick(e.detail) && <div style={{ wordBreak: 'break-all' }}>{pick(e.detail)}</div>}
                  <Typography.Text type="secondary" style={mono}>
                    {t('custody.hash')} {e.hash}
                  </Typography.Text>
                </>
              ),
            },
          ]}
        />
        {report.nextCursor && (
          <Flex justify="center" style={{ marginTop: 12 }}>
            <Button onClick={() => void more()} loading={loadingMore}>
              {t('custody.more')}
            </Button>
          </Flex>
        )}
      </Card>
    </>
  );
}
