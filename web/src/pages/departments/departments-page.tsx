import { ApartmentOutlined, EditOutlined, PlusOutlined, UserSwitchOutlined } from '@ant-design/icons';
import { Button, Card, Col, Descriptions, Empty, Flex, Row, Space, Tag, Tree, Typography } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { useMemo, useState } from 'react';
import type { Department } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { buildDepartmentTree, type DepartmentNode } from '../../lib/department-tree.ts';
import { formatTime } from '../../lib/time.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { check, useUrlFilters } from '../../lib/use-url-filters.ts';
import { useSession } from '../../session/session-context.tsx';
import { DepartmentFormModal } from './department-form-modal.tsx';
import { DepartmentHeadHelp, DepartmentHeadModal, DepartmentHeadName } from './department-head.tsx';

const kindColors: Record<Department['kind'], string> = { bureau: 'red', office: 'blue', detachment: 'green', other: 'default' };

/** The chosen department is in the URL, so a link (e.g. from the audit log) opens it. */
const urlSpec = { department: check.uuid };

type Dialog = { mode: 'create'; parentId?: string } | { mode: 'edit'; department: Department } | { mode: 'head'; department: Department };

/** 部门: the organisation tree; details of the chosen department with its head (负责人); create and edit for admins. */
export default function DepartmentsPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const { departments, byId, reload } = useDepartments();
  const [url, setUrl] = useUrlFilters(urlSpec);
  const selectedId = url.department;
  const setSelectedId = (id: string | undefined) => setUrl({ department: id });
  const [dialog, setDialog] = useState<Dialog>();
  const mayWrite = can('departments:write');

  const treeData = useMemo<DataNode[]>(() => {
    const toNode = (n: DepartmentNode): DataNode => ({
      key: n.department.id,
      title: (
        <Space size={6}>
          <span>{n.department.name}</span>
          <Tag color={kindColors[n.department.kind]} style={{ marginInlineEnd: 0 }}>
            {t(`kind.${n.department.kind}`)}
          </Tag>
        </Space>
      ),
      children: n.children.map(toNode),
    });
    return buildDepartmentTree(departments ?? []).map(toNode);
  }, [departments, t]);

  const selected = selectedId ? byId.get(selectedId) : undefined;
  const parent = selected?.parentId ? byId.get(selected.parentId) : undefined;

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('dept.title')}
      </Typography.Title>
      <Row gutter={24}>
        <Col xs={24} md={12} xl={10}>
          <Card
            title={t('dept.treeTitle')}
            loading={departments === undefined}
            extra={
              mayWrite && (
                <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ mode: 'create' })}>
                  {t('dept.create')}
                </Button>
              )
            }
          >
            {treeData.length === 0 ? (
              <Empty description={t('dept.empty')} />
            ) : (
              <Tree
                key={departments?.length}
                treeData={treeData}
                defaultExpandAll
                showLine
                icon={<ApartmentOutlined />}
                selectedKeys={selectedId ? [selectedId] : []}
                onSelect={(keys) => setSelectedId(keys[0] as string | undefined)}
                data-testid="department-tree"
              />
            )}
          </Card>
        </Col>
        <Col xs={24} md={12} xl={14}>
          <Card
            title={selected?.name ?? t('dept.pick')}
            extra={
              selected &&
              mayWrite && (
                <Space>
                  <Button icon={<PlusOutlined />} onClick={() => setDialog({ mode: 'create', parentId: selected.id })}>
                    {t('dept.createChild')}
                  </Button>
                  <Button icon={<EditOutlined />} onClick={() => setDialog({ mode: 'edit', department: selected })}>
                    {t('common.edit')}
                  </Button>
                  <Button icon={<UserSwitchOutlined />} onClick={() => setDialog({ mode: 'head', department: selected })} data-testid="department-head-edit">
                    {t('dept.headSet')}
                  </Button>
                </Space>
              )
            }
          >
            {selected ? (
              <Flex vertical gap={16}>
                <Descriptions
                  column={1}
                  bordered
                  size="small"
                  items={[
                    { key: 'name', label: t('dept.name'), children: selected.name },
                    { key: 'code', label: t('dept.code'), children: selected.code ?? '—' },
                    { key: 'kind', label: t('dept.kind'), children: t(`kind.${selected.kind}`) },
                    { key: 'parent', label: t('dept.parent'), children: parent?.name ?? t('dept.parentNone') },
                    { key: 'head', label: t('dept.head'), children: <DepartmentHeadName personId={selected.headPersonId} /> },
                    { key: 'updated', label: t('dept.updatedAt'), children: formatTime(selected.updatedAt) },
                  ]}
                />
                <DepartmentHeadHelp />
              </Flex>
            ) : (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('dept.pick')} />
            )}
          </Card>
        </Col>
      </Row>
      <DepartmentFormModal
        open={dialog !== undefined && dialog.mode !== 'head'}
        editing={dialog?.mode === 'edit' ? dialog.department : undefined}
        parentId={dialog?.mode === 'create' ? dialog.parentId : undefined}
        departments={departments}
        onClose={() => setDialog(undefined)}
        onSaved={(d) => {
          setDialog(undefined);
          setSelectedId(d.id);
          void reload();
        }}
      />
      <DepartmentHeadModal
        department={dialog?.mode === 'head' ? dialog.department : undefined}
        onClose={() => setDialog(undefined)}
        onSaved={() => {
          setDialog(undefined);
          void reload();
        }}
      />
    </>
  );
}
