import { DeleteOutlined, EditOutlined, HistoryOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Flex, List, Popconfirm, Space, Spin, Switch, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { AnnotationFormModal } from './annotation-form-modal.tsx';
import { AnnotationHistoryModal } from './annotation-history-modal.tsx';
import { clock, type Annotation, type AnnotationLayer, type AnnotationList } from './annotations-api.ts';

/**
 * 标注 / 转写 beside the player (issue 8 §6): a recording's time-range notes (重点内容, 说明) and its transcript,
 * each entry with its time as mm:ss — clicking it moves the player there. Whoever may write (a live grant, or the
 * uploader's tagging window) adds, edits and deletes; every change is a new version, shown under 历史版本.
 * Reading the list is a view of the recording's content and is audited (once per load).
 */
export function AnnotationsPanel({ recordingId, seek, position }: { recordingId: string; seek(sec: number): void; position(): number | undefined }) {
  const { t } = useI18n();
  const [layer, setLayer] = useState<AnnotationLayer>('note');
  const [showDeleted, setShowDeleted] = useState(false);
  const [list, setList] = useState<AnnotationList>();
  const [form, setForm] = useState<{ editing?: Annotation }>();
  const [historyOf, setHistoryOf] = useState<string>();

  const load = useCallback(
    () =>
      unwrap(client.GET('/api/recordings/{id}/annotations', { params: { path: { id: recordingId }, query: { includeDeleted: showDeleted ? 'true' : 'false' } } })).then(
        setList,
        notifyError,
      ),
    [recordingId, showDeleted],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const closeHistory = useCallback(() => setHistoryOf(undefined), []);
  // What the user just wrote comes back in the answer: shown without reading the list again (a read is an
  // audited view of the recording's content; the user's own write is not one).
  const merge = (a: Annotation) =>
    setList((l) => {
      if (!l) return l;
      const rest = l.items.filter((x) => x.id !== a.id);
      const items = a.deleted && !showDeleted ? rest : [...rest, a];
      items.sort((x, y) => x.startSec - y.startSec || x.endSec - y.endSec || x.createdAt.localeCompare(y.createdAt));
      return { ...l, items };
    });

  const remove = async (a: Annotation) => {
    try {
      merge(await unwrap(client.DELETE('/api/annotations/{id}', { params: { path: { id: a.id }, query: { version: a.version } } })));
      notifySuccess(t('annot.deleted'));
    } catch (e) {
      notifyError(e);
      // Changed meanwhile (409): show what it is now.
      await load();
    }
  };

  if (!list) return <Spin />;
  const items = list.items.filter((a) => a.layer === layer);
  const mayAdd = list.mayWrite && list.durationSec !== null;
  const body = (
    <Flex vertical gap={8}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Text type="secondary">{t('annot.seekHint')}</Typography.Text>
        <Space>
          <Switch size="small" checked={showDeleted} onChange={setShowDeleted} data-testid="annotation-show-deleted" /> {t('annot.showDeleted')}
          {mayAdd && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setForm({})} data-testid="annotation-add">
              {t(layer === 'note' ? 'annot.add.note' : 'annot.add.transcript')}
            </Button>
          )}
        </Space>
      </Flex>
      <List<Annotation>
        data-testid="annotation-list"
        dataSource={items}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(layer === 'note' ? 'annot.empty.note' : 'annot.empty.transcript')} /> }}
        renderItem={(a) => (
          <List.Item
            data-testid="annotation-item"
            style={a.deleted ? { opacity: 0.55 } : undefined}
            actions={[
              <Button key="h" size="small" type="link" icon={<HistoryOutlined />} onClick={() => setHistoryOf(a.id)} data-testid="annotation-history-button">
                {t('annot.history')}
              </Button>,
              ...(list.mayWrite && !a.deleted
                ? [
                    <Button key="e" size="small" type="link" icon={<EditOutlined />} onClick={() => setForm({ editing: a })} data-testid="annotation-edit">
                      {t('annot.edit')}
                    </Button>,
                    <Popconfirm key="d" title={t('annot.deleteConfirm')} onConfirm={() => remove(a)} okText={t('annot.delete')} cancelText={t('common.cancel')}>
                      <Button size="small" type="link" danger icon={<DeleteOutlined />} data-testid="annotation-delete">
                        {t('annot.delete')}
                      </Button>
                    </Popconfirm>,
                  ]
                : []),
            ]}
          >
            <List.Item.Meta
              title={
                <Space wrap size={4}>
                  <Button size="small" onClick={() => seek(a.startSec)} data-testid="annotation-seek" title={t('annot.seekHint')}>
                    {clock(a.startSec)}–{clock(a.endSec)}
                  </Button>
                  {a.kind && <Tag color={a.kind === 'key_content' ? 'orange' : 'blue'}>{t(`annot.kind.${a.kind}`)}</Tag>}
                  {a.speaker && <Tag>{a.speaker}</Tag>}
                  {a.deleted && <Tag color="red">{t('annot.deletedTag')}</Tag>}
                  {a.version > 1 && <Typography.Text type="secondary">{t('annot.version', { n: a.version })}</Typography.Text>}
                </Space>
              }
              description={
                <>
                  <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0, color: 'inherit' }} delete={a.deleted} data-testid="annotation-text-shown">
                    {a.text}
                  </Typography.Paragraph>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('annot.by', { who: a.updatedBy.displayName || a.updatedBy.username, time: formatTime(a.updatedAt) })}
                  </Typography.Text>
                </>
              }
            />
          </List.Item>
        )}
      />
    </Flex>
  );
  return (
    <Card title={t('annot.title')} data-testid="annotations-panel" style={{ maxWidth: 960 }}>
      <Flex vertical gap={8}>
        {!list.mayWrite && <Alert type="info" showIcon title={t('annot.readOnly')} />}
        {list.mayWrite && list.durationSec === null && <Alert type="warning" showIcon title={t('annot.noDuration')} />}
        <Tabs
          activeKey={layer}
          onChange={(k) => setLayer(k as AnnotationLayer)}
          items={(['note', 'transcript'] as const).map((l) => ({
            key: l,
            label: `${t(`annot.tab.${l}`)} (${list.items.filter((a) => a.layer === l && !a.deleted).length})`,
            children: l === layer ? body : null,
          }))}
        />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('annot.auditHint')}
        </Typography.Text>
      </Flex>
      <AnnotationFormModal
        open={!!form}
        recordingId={recordingId}
        layer={layer}
        editing={form?.editing}
        durationSec={list.durationSec}
        position={position}
        onClose={() => setForm(undefined)}
        onSaved={(a) => {
          setForm(undefined);
          merge(a);
        }}
        onStale={() => {
          setForm(undefined);
          void load();
        }}
      />
      <AnnotationHistoryModal id={historyOf} onClose={closeHistory} />
    </Card>
  );
}
