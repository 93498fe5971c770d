import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { STAGES } from './cases-api.ts';

type Checklist = ResponseOf<'/api/recording-checklist', 'get'>;
type Item = Checklist['items'][number];
type Save = BodyOf<'/api/recording-checklist', 'post'>;

/**
 * 音像记录事项清单 (第十六条): the versions of the list; an admin saves a changed list as a new version (new cases
 * use it; filed cases keep the version they were filed under).
 */
export default function ChecklistPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const [versions, setVersions] = useState<ResponseOf<'/api/recording-checklist/versions', 'get'>['items']>();
  const [version, setVersion] = useState<number>();
  const [list, setList] = useState<Checklist>();
  const [editing, setEditing] = useState(false);
  const [form] = Form.useForm<Save>();

  const loadVersions = useCallback(() => unwrap(client.GET('/api/recording-checklist/versions')).then((r) => setVersions(r.items), notifyError), []);
  useEffect(() => {
    void loadVersions();
  }, [loadVersions]);
  useEffect(() => {
    unwrap(client.GET('/api/recording-checklist', { params: { query: version ? { version } : {} } })).then(setList, notifyError);
  }, [version]);

  const save = async (v: Save) => {
    try {
      const saved = await unwrap(client.POST('/api/recording-checklist', { body: v }));
      notifySuccess(t('cases.saved'));
      setEditing(false);
      setList(saved);
      setVersion(saved.version);
      void loadVersions();
    } catch (e) {
      showFormError(form, e, ['note', 'items']);
    }
  };

  return (
    <Card
      title={t('checklist.title')}
      extra={
        <Space>
          <Select
            style={{ width: 260 }}
            value={list?.version}
            onChange={setVersion}
            options={(versions ?? []).map((v) => ({ value: v.version, label: `v${v.version} · ${v.note} · ${formatTime(v.createdAt, false)}` }))}
          />
          {can('settings:write') && !editing && list && (
            <Button type="primary" onClick={() => { form.setFieldsValue({ note: '', items: list.items }); setEditing(true); }}>
              {t('checklist.edit')}
            </Button>
          )}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('checklist.intro')}</Typography.Paragraph>
      {!editing ? (
        <Table<Item>
          rowKey={(r) => `${r.actKind}-${r.stage}-${r.item}`}
          size="small"
          pagination={false}
          loading={!list}
          dataSource={list?.items ?? []}
          columns={[
            { title: t('checklist.category'), dataIndex: 'category' },
            { title: t('checklist.item'), dataIndex: 'item' },
            { title: t('cases.links.stage'), render: (_, r) => t(`cases.stage.${r.stage}`) },
            { title: t('checklist.method'), render: (_, r) => <Tag color={r.method === 'av' ? 'blue' : 'default'}>{t(`cases.checklist.required.${r.method}`)}</Tag> },
            { title: t('checklist.appliesWhen'), render: (_, r) => (r.appliesWhen === 'coercive_measures' ? t('cases.col.coercive') : '—') },
            { title: t('cases.checklist.starts'), dataIndex: 'startsWhen' },
            { title: t('cases.checklist.covers'), dataIndex: 'covers' },
            { title: t('cases.checklist.ends'), dataIndex: 'endsWhen' },
          ]}
        />
      ) : (
        <Form form={form} onFinish={save} layout="vertical">
          <Form.Item name="note" label={t('checklist.note')} rules={[{ required: true, message: t('common.required', { field: t('checklist.note') }) }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.List name="items">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} wrap align="start" style={{ marginBottom: 4 }}>
                    <Form.Item name={[f.name, 'actKind']} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,39}$/ }]}>
                      <Input style={{ width: 100 }} placeholder="penalty" />
                    </Form.Item>
                    <Form.Item name={[f.name, 'category']} rules={[{ required: true }]}>
                      <Input style={{ width: 100 }} placeholder={t('checklist.category')} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'item']} rules={[{ required: true }]}>
                      <Input style={{ width: 180 }} placeholder={t('checklist.item')} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'stage']} rules={[{ required: true }]}>
                      <Select style={{ width: 110 }} options={STAGES.map((s) => ({ value: s, label: t(`cases.stage.${s}`) }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'method']} rules={[{ required: true }]}>
                      <Select style={{ width: 110 }} options={(['av', 'written'] as const).map((m) => ({ value: m, label: t(`cases.checklist.required.${m}`) }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'appliesWhen']}>
                      <Select style={{ width: 130 }} options={[{ value: 'always', label: '—' }, { value: 'coercive_measures', label: t('cases.col.coercive') }]} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'startsWhen']}>
                      <Input style={{ width: 160 }} placeholder={t('cases.checklist.starts')} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'covers']}>
                      <Input style={{ width: 220 }} placeholder={t('cases.checklist.covers')} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'endsWhen']}>
                      <Input style={{ width: 140 }} placeholder={t('cases.checklist.ends')} />
                    </Form.Item>
                    <MinusCircleOutlined style={{ marginTop: 8 }} onClick={() => remove(f.name)} />
                  </Space>
                ))}
                <Button icon={<PlusOutlined />} onClick={() => add({ actKind: 'penalty', category: '行政处罚', stage: 'investigation', method: 'av', appliesWhen: 'always', startsWhen: '', covers: '', endsWhen: '' })}>
                  {t('checklist.addRow')}
                </Button>
              </>
            )}
          </Form.List>
          <Space style={{ marginTop: 16 }}>
            <Button type="primary" htmlType="submit">{t('checklist.saveVersion')}</Button>
            <Button onClick={() => setEditing(false)}>{t('common.cancel')}</Button>
          </Space>
        </Form>
      )}
    </Card>
  );
}
