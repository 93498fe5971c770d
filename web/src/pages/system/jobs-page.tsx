import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Select, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Job, JobState } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { check, useUrlFilters } from '../../lib/use-url-filters.ts';

const stateColors: Record<JobState, string> = { queued: 'default', running: 'processing', done: 'success', failed: 'error' };
const STATES: JobState[] = ['queued', 'running', 'done', 'failed'];
/** The state filter is in the URL (shareable, reloadable, restored by Back). */
const urlSpec = { state: check.oneOf(STATES) };

/** 后台任务: recent background jobs and their state, so long work is visible. */
export default function JobsPage() {
  const { t, maybe } = useI18n();
  const [url, setUrl] = useUrlFilters(urlSpec);
  const state = url.state as JobState | undefined;
  const setState = (s: JobState | undefined) => setUrl({ state: s });
  const [jobs, setJobs] = useState<Job[]>();
  const [loading, setLoading] = useState(true);

  const load = useCallback(() => {
    setLoading(true);
    unwrap(client.GET('/api/jobs', { params: { query: { state, limit: 200 } } }))
      .then((r) => setJobs(r.items), notifyError)
      .finally(() => setLoading(false));
  }, [state]);
  useEffect(load, [load]);

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('jobs.title')}
      </Typography.Title>
      <Card>
        <Flex gap={8} style={{ marginBottom: 16 }}>
          <Select<JobState>
            allowClear
            placeholder={`${t('jobs.state')}: ${t('common.all')}`}
            value={state}
            onChange={setState}
            style={{ width: 180 }}
            options={STATES.map((s) => ({ value: s, label: t(`jobState.${s}`) }))}
          />
          <Button icon={<ReloadOutlined />} onClick={load}>
            {t('common.refresh')}
          </Button>
        </Flex>
        <Table<Job>
          rowKey="id"
          loading={loading}
          dataSource={jobs ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: t('jobs.empty') }}
          scroll={{ x: 900 }}
          columns={[
            // Every job of the catalog has a name in both languages (test/web/job-names.test.ts).
            { title: t('jobs.kind'), dataIndex: 'kind', render: (k: string) => maybe(`jobKind.${k}`) ?? k },
            { title: t('jobs.state'), dataIndex: 'state', render: (s: JobState) => <Tag color={stateColors[s]}>{maybe(`jobState.${s}`) ?? s}</Tag> },
            { title: t('jobs.attempts'), key: 'attempts', render: (_, j) => `${j.attempts} / ${j.maxAttempts}` },
            { title: t('jobs.runAt'), dataIndex: 'runAt', render: (v: string) => formatTime(v) },
            { title: t('jobs.finishedAt'), dataIndex: 'finishedAt', render: (v: string | null) => formatTime(v) },
            { title: t('jobs.lastError'), dataIndex: 'lastError', ellipsis: true, render: (v: string | null) => (v ? <Typography.Text type="danger">{v}</Typography.Text> : '—') },
          ]}
        />
      </Card>
    </>
  );
}
