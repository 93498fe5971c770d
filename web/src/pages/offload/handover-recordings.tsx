import { Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import type { Recording } from '../../api/shapes.ts';
import { LateTag } from '../../components/late-tag.tsx';
import { ProcessingStateTag } from '../../components/processing-state-tag.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes } from '../../lib/format.ts';
import { formatTime } from '../../lib/time.ts';

/**
 * The files of one hand-over, for the custodian to check before confirming. The day view gives only
 * ids and the list API has no id filter, so they are read one by one when the row is opened.
 */
export function HandoverRecordings({ ids }: { ids: string[] }) {
  const { t } = useI18n();
  const [rows, setRows] = useState<Recording[]>();

  useEffect(() => {
    let cancelled = false;
    void Promise.all(ids.map((id) => unwrap(client.GET('/api/recordings/{id}', { params: { path: { id } } })).catch(() => undefined))).then((rs) => {
      if (!cancelled) setRows(rs.filter((r) => r !== undefined));
    });
    return () => {
      cancelled = true;
    };
  }, [ids]);

  return (
    <Table<Recording>
      rowKey="id"
      size="small"
      loading={rows === undefined}
      dataSource={rows ?? []}
      pagination={false}
      columns={[
        { title: t('rec.fileName'), key: 'name', render: (_, r) => <Link to={`/recordings/${r.id}`}>{r.fileName}</Link> },
        { title: t('rec.recordedStart'), dataIndex: 'recordedStart', render: (v: string | null) => formatTime(v) },
        { title: t('rec.uploadedAt'), dataIndex: 'uploadedAt', render: (v: string) => formatTime(v) },
        { title: t('rec.size'), key: 'size', render: (_, r) => formatBytes(r.original.sizeBytes) },
        {
          title: 'SHA-256',
          key: 'sha',
          render: (_, r) => (
            <Typography.Text code copyable={{ text: r.original.sha256 }} style={{ fontSize: 12 }}>
              {r.original.sha256.slice(0, 16)}…
            </Typography.Text>
          ),
        },
        {
          title: t('rec.state'),
          key: 'state',
          render: (_, r) => (
            <>
              <ProcessingStateTag state={r.media.state} error={r.media.error} />
              {r.lateOffload && <LateTag />}
            </>
          ),
        },
      ]}
    />
  );
}
