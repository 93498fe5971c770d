import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Person } from '../../api/shapes.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { QualificationTag } from '../../components/qualification-tag.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { useCursorList } from '../../lib/use-cursor-list.ts';
import { notifyError } from '../../lib/notify.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { check, useUrlFilters } from '../../lib/use-url-filters.ts';
import { useSession } from '../../session/session-context.tsx';
import { PersonDrawer } from './person-drawer.tsx';

type EnrolledFilter = 'any' | 'true' | 'false';

/**
 * Filters in the URL (shareable, reloadable, restored by Back), and `person`: the person whose
 * drawer is open, so that a link (e.g. from the audit log) opens that person.
 */
const urlSpec = { departmentId: check.uuid, q: check.text(60), enrolled: check.oneOf(['true', 'false']), person: check.uuid };

/** 人员: the personnel register (第七条) with filters, "load more" paging, add/edit and training. */
export default function PeoplePage() {
  const { t } = useI18n();
  const { can } = useSession();
  const mayWrite = can('people:write');
  const { departments } = useDepartments();
  const [url, setUrl] = useUrlFilters(urlSpec);
  const { departmentId, q = '', enrolled = 'any', person: personId } = url;
  const [qInput, setQInput] = useState(q);
  useEffect(() => setQInput(q), [q]);
  const setFilter = (change: Partial<typeof url>) => setUrl({ ...url, ...change, person: undefined });
  const list = useCursorList('/api/personnel', { departmentId, q: q.trim(), enrolled: enrolled === 'true' || enrolled === 'false' ? enrolled : undefined });
  // undefined = closed; null = adding a new person.
  const [drawerState, setDrawerState] = useState<Person | null>();
  // A person opened by link: read once; one that cannot be read (unknown or out of scope) opens nothing.
  const [linked, setLinked] = useState<Person>();
  useEffect(() => {
    if (!personId) return setLinked(undefined);
    let live = true;
    unwrap(client.GET('/api/personnel/{id}', { params: { path: { id: personId } } })).then(
      (p) => live && setLinked(p),
      (e) => {
        if (!live) return;
        notifyError(e);
        setUrl({ ...url, person: undefined });
      },
    );
    return () => {
      live = false;
    };
    // Only a new id is a new request (the url object changes with every filter).
  }, [personId]);
  const drawer = drawerState !== undefined ? drawerState : personId && linked?.id === personId ? linked : undefined;
  const setDrawer = (p: Person | null | undefined) => {
    setDrawerState(p);
    if (p === undefined && personId) setUrl({ ...url, person: undefined });
  };

  return (
    <>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('people.title')}
        </Typography.Title>
        {mayWrite && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDrawer(null)}>
            {t('people.create')}
          </Button>
        )}
      </Flex>
      <Card>
        <Space wrap style={{ marginBottom: 16 }}>
          <DepartmentSelect departments={departments} value={departmentId} onChange={(v) => setFilter({ departmentId: v })} allowClear placeholder={t('people.allDepartments')} style={{ width: 240 }} />
          <Input.Search
            allowClear
            placeholder={t('people.searchPlaceholder')}
            value={qInput}
            onChange={(e) => setQInput(e.target.value)}
            onSearch={(v) => setFilter({ q: v.trim() || undefined })} style={{ width: 260 }} enterButton={t('common.search')} />
          <Select<EnrolledFilter>
            value={enrolled as EnrolledFilter}
            onChange={(v) => setFilter({ enrolled: v === 'any' ? undefined : v })}
            style={{ width: 180 }}
            options={[
              { value: 'any', label: t('people.enrolledAny') },
              { value: 'true', label: t('people.enrolledOnly') },
              { value: 'false', label: t('people.notEnrolledOnly') },
            ]}
          />
        </Space>
        <Table<Person>
          rowKey="id"
          loading={list.loading}
          dataSource={list.items}
          pagination={false}
          scroll={{ x: 960 }}
          locale={{ emptyText: t('people.empty') }}
          onRow={(p) => ({ onClick: () => setDrawer(p), style: { cursor: 'pointer' } })}
          columns={[
            { title: t('people.name'), dataIndex: 'name', fixed: 'left', render: (name: string) => <Typography.Link>{name}</Typography.Link> },
            { title: t('people.staffNumber'), dataIndex: 'staffNumber' },
            { title: t('people.department'), dataIndex: 'departmentName' },
            {
              title: t('people.enrolled'),
              dataIndex: 'enrolled',
              render: (v: boolean) => (v ? <Tag color="blue">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>),
            },
            { title: t('people.certNumber'), key: 'cert', render: (_, p) => p.certificate?.number ?? <Typography.Text type="secondary">{t('people.noCertificate')}</Typography.Text> },
            { title: t('people.validUntil'), key: 'validUntil', render: (_, p) => p.certificate?.validUntil ?? '—' },
            { title: t('people.qualification'), key: 'qualification', render: (_, p) => <QualificationTag qualification={p.qualification} /> },
          ]}
        />
        <LoadMore hasMore={list.hasMore} loading={list.loading} count={list.items.length} onLoadMore={() => void list.loadMore()} />
      </Card>
      <PersonDrawer
        open={drawer !== undefined}
        person={drawer ?? undefined}
        departments={departments}
        mayWrite={mayWrite}
        onClose={() => setDrawer(undefined)}
        onSaved={(p) => {
          // An edit is put in place (keeps the pages loaded so far); a new person may sort anywhere.
          if (drawer) list.upsert(p, (x) => x.id);
          else void list.reload();
          setDrawer(undefined);
        }}
      />
    </>
  );
}
