import { CloudUploadOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Space, Table, Typography } from 'antd';
import { Link, useNavigate } from 'react-router-dom';
import type { Recording } from '../../api/shapes.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { LateTag } from '../../components/late-tag.tsx';
import { ProcessingStateTag } from '../../components/processing-state-tag.tsx';
import { RecordingThumbnail } from '../../components/recording-thumbnail.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatTime } from '../../lib/time.ts';
import { useCursorList } from '../../lib/use-cursor-list.ts';
import { useThumbnailTickets } from '../../lib/use-thumbnail-tickets.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { useUrlFilters } from '../../lib/use-url-filters.ts';
import { useSession } from '../../session/session-context.tsx';
import { RecordingFilters, recordingFilterSpec, type RecordingQuery } from './recording-filters.tsx';

const secondary = (text: string | null | undefined) => (
  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
    {text}
  </Typography.Text>
);

/** 资料列表: the recordings the user may see, searchable by every 第十五条 field, newest first. */
export default function RecordingsPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const navigate = useNavigate();
  const { departments } = useDepartments();
  const [urlQuery, setQuery] = useUrlFilters(recordingFilterSpec);
  // The values passed the spec's checks, so the enums are of their types.
  const query = urlQuery as RecordingQuery;
  const list = useCursorList('/api/recordings', { ...query }, 30);
  const thumbnailTicket = useThumbnailTickets(list.items);

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('recList.title')}
        </Typography.Title>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void list.reload()}>
            {t('common.refresh')}
          </Button>
          {can('recordings:upload') && (
            <Link to="/recordings/upload">
              <Button type="primary" icon={<CloudUploadOutlined />}>
                {t('recList.upload')}
              </Button>
            </Link>
          )}
        </Space>
      </Flex>
      <Card>
        <RecordingFilters departments={departments} value={query} onChange={(q) => setQuery({ ...q })} />
        <Table<Recording>
          rowKey="id"
          loading={list.loading}
          dataSource={list.items}
          pagination={false}
          scroll={{ x: 1120 }}
          locale={{ emptyText: t('recList.empty') }}
          data-testid="recordings-table"
          onRow={(r) => ({ onClick: () => navigate(`/recordings/${r.id}`), style: { cursor: 'pointer' } })}
          // Related 第十五条 fields share a column (time + device, party + case) so the table fits a laptop.
          columns={[
            { title: t('rec.thumbnail'), key: 'thumb', width: 112, render: (_, r) => <RecordingThumbnail recording={r} ticket={thumbnailTicket(r.id)} /> },
            {
              title: t('rec.fileName'),
              key: 'fileName',
              width: 210,
              render: (_, r) => (
                <Flex vertical>
                  <Link to={`/recordings/${r.id}`} onClick={(e) => e.stopPropagation()} style={{ wordBreak: 'break-all' }}>
                    {r.fileName}
                  </Link>
                  {secondary(`${t('rec.uploadedAt')} ${formatTime(r.uploadedAt, false)}`)}
                </Flex>
              ),
            },
            {
              title: `${t('rec.recordedStart')} / ${t('rec.deviceNumber')}`,
              key: 'time',
              width: 170,
              render: (_, r) => (
                <Flex vertical>
                  <span>{formatTime(r.recordedStart)}</span>
                  {secondary(r.deviceNumber ?? '—')}
                </Flex>
              ),
            },
            { title: t('rec.department'), dataIndex: 'departmentName', width: 150 },
            {
              title: t('rec.officers'),
              key: 'officers',
              width: 90,
              render: (_, r) =>
                r.officers.map((o) => (
                  <div key={o.id} title={o.staffNumber}>
                    {o.name}
                  </div>
                )),
            },
            { title: t('rec.activity'), dataIndex: 'activity', width: 96, render: (a: Recording['activity']) => t(`activity.${a}`) },
            {
              title: `${t('rec.party')} / ${t('rec.case')}`,
              key: 'case',
              render: (_, r) =>
                r.party || r.caseName || r.caseNumber ? (
                  <Flex vertical>
                    <span>{r.party ?? '—'}</span>
                    {r.caseName && secondary(r.caseName)}
                    {r.caseNumber && secondary(r.caseNumber)}
                  </Flex>
                ) : (
                  '—'
                ),
            },
            {
              title: t('rec.state'),
              key: 'state',
              width: 104,
              render: (_, r) => (
                <Flex vertical gap={4} align="flex-start">
                  <ProcessingStateTag state={r.media.state} error={r.media.error} />
                  {r.lateOffload && <LateTag />}
                </Flex>
              ),
            },
          ]}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} count={list.items.length} onLoadMore={() => void list.loadMore()} />
      </Card>
    </>
  );
}
