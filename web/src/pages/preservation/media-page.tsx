import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Form, Input, InputNumber, Modal, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { formatBytes } from '../../lib/format.ts';
import { notifyError, notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatDate, formatTime, type dayjs } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';
import { MediumCheckModal } from './medium-check-modal.tsx';
import { CheckRoundLine } from './check-round-line.tsx';
import { MEDIA_TYPES, MEDIUM_STATUS_COLORS, mediumStatusKey, type CheckRound, type MediaSet, type MediaType, type Medium } from './preservation-api.ts';

interface BuildForm {
  mediaType: MediaType;
  sizeMb?: number;
  format: 'iso' | 'folder';
  label: string;
}

interface RegisterForm {
  label: string;
  maker: string;
  madeOn: ReturnType<typeof dayjs>;
  storagePlace: string;
}

const SET_COLORS = { queued: 'default', building: 'processing', built: 'success', failed: 'error' } as const;

/** 光盘与移动存储介质 (第十二条): build sets of approved marks, download and burn, register media, check them. */
export default function MediaPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const writer = can('discs:write');
  const [sets, setSets] = useState<MediaSet[]>();
  const [media, setMedia] = useState<Medium[]>();
  const [rounds, setRounds] = useState<CheckRound[]>();
  const [building, setBuilding] = useState(false);
  const [registerFor, setRegisterFor] = useState<MediaSet['volumes'][number] & { mediaType: MediaType }>();
  const [checkFor, setCheckFor] = useState<Medium>();
  const [form] = Form.useForm<BuildForm>();
  const [regForm] = Form.useForm<RegisterForm>();
  const mediaType = Form.useWatch('mediaType', form);

  const load = useCallback(() => {
    unwrap(client.GET('/api/media-sets')).then((r) => setSets(r.items), notifyError);
    unwrap(client.GET('/api/media')).then((r) => setMedia(r.items), notifyError);
    unwrap(client.GET('/api/media/check-rounds')).then((r) => setRounds(r.items), notifyError);
  }, []);
  useEffect(load, [load]);
  // While a set is being built, its progress is read again every 2 s.
  useEffect(() => {
    if (!sets?.some((s) => s.state === 'queued' || s.state === 'building')) return;
    const timer = setTimeout(load, 2000);
    return () => clearTimeout(timer);
  }, [sets, load]);

  const build = async () => {
    const v = await form.validateFields();
    setBuilding(true);
    try {
      await unwrap(
        client.POST('/api/media-sets', {
          body: { mediaType: v.mediaType, format: v.mediaType === 'removable' ? v.format : 'iso', label: v.label, ...(v.mediaType === 'removable' && { volumeBytes: Math.round((v.sizeMb ?? 0) * 1024 * 1024) }) },
        }),
      );
      notifySuccess(t('media.build.queued'));
      load();
    } catch (e) {
      showFormError(form, e, ['mediaType', 'volumeBytes', 'format', 'label']);
    } finally {
      setBuilding(false);
    }
  };

  const register = async () => {
    if (!registerFor) return;
    const v = await regForm.validateFields();
    try {
      await unwrap(
        client.POST('/api/media-volumes/{id}/media', {
          params: { path: { id: registerFor.id } },
          body: { label: v.label, mediaType: registerFor.mediaType, maker: v.maker, madeOn: formatDate(v.madeOn)!, storagePlace: v.storagePlace },
        }),
      );
      notifySuccess(t('media.registered'));
      setRegisterFor(undefined);
      regForm.resetFields();
      load();
    } catch (e) {
      showFormError(regForm, e, ['label', 'maker', 'madeOn', 'storagePlace']);
    }
  };

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Alert type="info" showIcon message={t('media.title')} description={t('media.intro')} />
      {writer && (
        <Card title={t('media.build.title')} data-testid="media-build-card">
          <Form form={form} layout="inline" initialValues={{ mediaType: 'dvd', format: 'iso', label: 'QL_PRESERVE' }}>
            <Form.Item name="mediaType" label={t('media.build.type')}>
              <Select style={{ width: 220 }} options={MEDIA_TYPES.map((m) => ({ value: m, label: t(`media.type.${m}`) }))} data-testid="media-type" />
            </Form.Item>
            {mediaType === 'removable' && (
              <>
                <Form.Item name="sizeMb" label={t('media.build.size')} rules={[{ required: true }]}>
                  <InputNumber min={2} max={64 * 1024 * 1024} />
                </Form.Item>
                <Form.Item name="format" label={t('media.build.format')}>
                  <Select style={{ width: 200 }} options={(['iso', 'folder'] as const).map((f) => ({ value: f, label: t(`media.format.${f}`) }))} />
                </Form.Item>
              </>
            )}
            <Form.Item name="label" label={t('media.build.label')} tooltip={t('media.build.labelHelp')} rules={[{ required: true, pattern: /^[A-Z0-9_]{1,24}$/, message: t('media.build.labelHelp') }]}>
              <Input style={{ width: 180 }} data-testid="media-label" />
            </Form.Item>
            <Form.Item>
              <Button type="primary" loading={building} onClick={build} data-testid="media-build">
                {t('media.build.submit')}
              </Button>
            </Form.Item>
          </Form>
        </Card>
      )}
      <Card title={t('media.sets.title')}>
        <Table<MediaSet>
          rowKey="id"
          loading={!sets}
          dataSource={sets}
          pagination={false}
          data-testid="media-sets-table"
          columns={[
            { key: 'label', title: t('media.build.label'), render: (_, s) => <Typography.Text strong>{s.label}</Typography.Text> },
            { key: 'type', title: t('media.build.type'), render: (_, s) => t(`media.type.${s.mediaType}`) },
            {
              key: 'state',
              title: t('pres.list.state'),
              render: (_, s) => (
                <Space direction="vertical" size={0} style={{ minWidth: 160 }}>
                  <Tag color={SET_COLORS[s.state]} data-testid={`set-state-${s.state}`}>{t(`media.set.state.${s.state}`)}</Tag>
                  {(s.state === 'building' || s.state === 'queued') && <Progress percent={s.totalBytes ? Math.floor((100 * s.doneBytes) / s.totalBytes) : 0} size="small" />}
                  {s.phase && <Typography.Text type="secondary">{s.phase}</Typography.Text>}
                  {s.error && <Typography.Text type="danger">{s.error}</Typography.Text>}
                </Space>
              ),
            },
            {
              key: 'volumes',
              title: t('media.set.volumes'),
              render: (_, s) => (
                <Space direction="vertical">
                  {s.volumes.map((v) => (
                    <Space key={v.id} wrap>
                      <Typography.Text code>{v.label}</Typography.Text>
                      <span>
                        {v.volumeNo}/{v.volumeCount} · {t('media.volume.files', { n: v.files })} · {formatBytes(v.imageBytes ?? v.bytes)}
                      </span>
                      {v.verifyOk === true && <Tag color="success">{t('media.volume.verified')}</Tag>}
                      {v.verifyOk === false && <Tag color="error">{t('media.volume.notVerified')}</Tag>}
                      {writer && v.verifyOk && s.state === 'built' && (
                        <>
                          <Button size="small" icon={<DownloadOutlined />} href={`/api/media-volumes/${v.id}/image`}>
                            {t('media.volume.download')}
                          </Button>
                          <Button size="small" onClick={() => setRegisterFor({ ...v, mediaType: s.mediaType })} data-testid={`register-${v.label}`}>
                            {t('media.volume.register')}
                          </Button>
                        </>
                      )}
                    </Space>
                  ))}
                </Space>
              ),
            },
            { key: 'created', title: t('media.sets.created'), render: (_, s) => formatTime(s.createdAt, false) },
          ]}
        />
      </Card>
      <Card title={t('media.list.title')}>
        <CheckRoundLine rounds={rounds} />
        <Table<Medium>
          rowKey="id"
          loading={!media}
          dataSource={media}
          pagination={false}
          data-testid="media-table"
          columns={[
            { key: 'label', title: t('media.list.label'), render: (_, m) => <Typography.Text strong>{m.label}</Typography.Text> },
            { key: 'type', title: t('media.build.type'), render: (_, m) => t(`media.type.${m.mediaType}`) },
            { key: 'volume', title: t('media.list.volume'), render: (_, m) => `${m.volumeLabel}（${m.volumeNo}/${m.volumeCount}）` },
            { key: 'maker', title: t('media.register.maker'), render: (_, m) => `${m.maker} · ${m.madeOn}` },
            { key: 'place', title: t('media.list.storagePlace'), dataIndex: 'storagePlace' },
            {
              key: 'status',
              title: t('media.list.status'),
              render: (_, m) => (
                <Space>
                  <Tag color={MEDIUM_STATUS_COLORS[m.status]}>{t(mediumStatusKey(m.status))}</Tag>
                  {m.overdue && (
                    <Tag color="error" data-testid="medium-overdue">
                      {t('media.alert.overdue')}
                    </Tag>
                  )}
                  {m.due && <Tag color="warning">{t('media.list.due')}</Tag>}
                </Space>
              ),
            },
            { key: 'next', title: t('media.list.nextCheck'), render: (_, m) => formatTime(m.nextCheckDue, false) },
            {
              key: 'actions',
              title: t('common.actions'),
              render: (_, m) =>
                writer && (
                  <Button size="small" onClick={() => setCheckFor(m)}>
                    {t('media.check')}
                  </Button>
                ),
            },
          ]}
        />
      </Card>
      <Modal open={!!registerFor} title={`${t('media.register.title')}：${registerFor?.label ?? ''}`} onCancel={() => setRegisterFor(undefined)} onOk={register} destroyOnHidden>
        <Form form={regForm} layout="vertical">
          <Form.Item name="label" label={t('media.register.label')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={100} data-testid="reg-label" />
          </Form.Item>
          <Form.Item name="maker" label={t('media.register.maker')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={100} data-testid="reg-maker" />
          </Form.Item>
          <Form.Item name="madeOn" label={t('media.register.madeOn')} rules={[{ required: true }]}>
            <DatePicker data-testid="reg-made-on" />
          </Form.Item>
          <Form.Item name="storagePlace" label={t('media.register.storagePlace')} rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={200} data-testid="reg-place" />
          </Form.Item>
        </Form>
      </Modal>
      {checkFor && <MediumCheckModal medium={checkFor} onClose={() => setCheckFor(undefined)} onChecked={load} />}
    </Space>
  );
}
