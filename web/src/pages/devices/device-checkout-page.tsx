import { Alert, Button, Card, Checkbox, Col, DatePicker, Descriptions, Flex, Form, Input, InputNumber, Row, Segmented, Table, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, client, unwrap } from '../../api/client.ts';
import { PersonSelect } from '../../components/person-select.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { dayjs, formatTime, shanghaiWallClockToIso } from '../../lib/time.ts';
import { DeviceStatusTag } from './device-tags.tsx';
import { typeKey, type Device, type OpenCheckout } from './devices-api.ts';

interface CheckValues {
  personId?: string;
  batteryPct: number;
  freeStorageMb: number;
  deviceClock: dayjs.Dayjs;
  damage: boolean;
  damageNote?: string;
  openFaultOnFailure: boolean;
}

/**
 * 领用 / 归还 (第七、十、十八条): fast enough for a morning queue — scan or type the device number (Enter),
 * the screen knows whether it is a checkout or a return, pick the officer, confirm the pre-use check, done;
 * the cursor goes back to the number field for the next device.
 */
export default function DeviceCheckoutPage() {
  const { t } = useI18n();
  const [number, setNumber] = useState('');
  const [device, setDevice] = useState<Device | null>();
  const [mode, setMode] = useState<'checkout' | 'return'>('checkout');
  const [open, setOpen] = useState<OpenCheckout[]>([]);
  const [result, setResult] = useState<{ type: 'success' | 'error'; text: string; extra?: string }>();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<CheckValues>();
  const numberRef = useRef<React.ComponentRef<typeof Input>>(null);
  const damage = Form.useWatch('damage', form);

  const loadOpen = useCallback(() => unwrap(client.GET('/api/device-checkouts/open')).then((r) => setOpen(r.items), notifyError), []);
  useEffect(() => {
    void loadOpen();
    numberRef.current?.focus();
  }, [loadOpen]);

  const reset = () => {
    setDevice(undefined);
    setNumber('');
    form.resetFields();
    numberRef.current?.focus();
  };

  const find = async (raw: string) => {
    const n = raw.trim().toUpperCase();
    if (!n) return;
    setResult(undefined);
    const r = await unwrap(client.GET('/api/devices', { params: { query: { q: n, limit: 20 } } })).catch((e: unknown) => {
      notifyError(e);
      return undefined;
    });
    const d = r?.items.find((x) => x.deviceNumber === n) ?? null;
    setDevice(d);
    if (!d) {
      setResult({ type: 'error', text: t('dev.co.notFound', { number: n }) });
      return;
    }
    setMode(d.holder ? 'return' : 'checkout');
    form.setFieldsValue({ personId: undefined, batteryPct: 100, freeStorageMb: undefined, deviceClock: dayjs().tz('Asia/Shanghai'), damage: false, damageNote: undefined, openFaultOnFailure: false });
  };

  const submit = async (v: CheckValues) => {
    if (!device) return;
    setBusy(true);
    const check = {
      batteryPct: v.batteryPct,
      freeStorageMb: v.freeStorageMb,
      // Untouched, the field still shows when the device was found: the device agrees with it, so send now.
      deviceClock: form.isFieldTouched('deviceClock') ? shanghaiWallClockToIso(v.deviceClock) : new Date().toISOString(),
      damage: v.damage,
      damageNote: v.damage ? (v.damageNote ?? null) : null,
    };
    try {
      if (mode === 'checkout') {
        const r = await unwrap(
          client.POST('/api/device-checkouts', { body: { deviceNumber: device.deviceNumber, personId: v.personId!, check, openFaultOnFailure: v.openFaultOnFailure } }),
        );
        setResult({ type: 'success', text: t('dev.co.checkedOut', { number: r.device.deviceNumber, name: r.device.holder?.name ?? '', offset: r.clockOffsetSec }) });
      } else {
        const r = await unwrap(client.POST('/api/device-returns', { body: { deviceNumber: device.deviceNumber, check } }));
        setResult({
          type: 'success',
          text: t('dev.co.returned', { number: r.device.deviceNumber, offset: r.clockOffsetSec }),
          extra: t('dev.co.offload', { deadline: formatTime(r.offload.deadline, false), n: r.offload.recordingsReceived }),
        });
      }
      reset();
    } catch (e) {
      if (e instanceof ApiError) setResult({ type: 'error', text: e.message });
      else notifyError(e);
    } finally {
      setBusy(false);
      void loadOpen();
    }
  };

  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('dev.co.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('dev.co.intro')}</Typography.Paragraph>
      <Row gutter={[24, 24]}>
        <Col xs={24} lg={14}>
          <Card>
            <Flex gap={8} style={{ marginBottom: 16 }}>
              <Input
                ref={numberRef}
                size="large"
                value={number}
                onChange={(e) => setNumber(e.target.value)}
                onPressEnter={() => void find(number)}
                placeholder={t('dev.co.number')}
                aria-label={t('dev.co.number')}
                data-testid="checkout-number"
                autoComplete="off"
              />
              <Button size="large" onClick={() => void find(number)} data-testid="checkout-find">
                {t('dev.co.find')}
              </Button>
            </Flex>
            {result && (
              <Alert
                type={result.type}
                title={result.text}
                description={result.extra}
                showIcon
                style={{ marginBottom: 16 }}
                data-testid="checkout-result"
              />
            )}
            {device && (
              <>
                <Descriptions size="small" column={2} style={{ marginBottom: 16 }} bordered>
                  <Descriptions.Item label={t('dev.col.number')}>
                    <Link to={`/devices/${device.id}`}>{device.deviceNumber}</Link>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('dev.col.type')}>{t(typeKey(device.type))}</Descriptions.Item>
                  <Descriptions.Item label={t('dev.col.status')}>
                    <DeviceStatusTag status={device.status} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('dev.col.maintenanceDue')}>
                    <Typography.Text type={device.maintenanceOverdue ? 'danger' : undefined}>{device.maintenanceDueOn}</Typography.Text>
                  </Descriptions.Item>
                  {device.holder && (
                    <Descriptions.Item label={t('dev.col.holder')} span={2}>
                      {t('dev.co.heldBy', { name: device.holder.name, since: formatTime(device.holder.since, false) })}
                    </Descriptions.Item>
                  )}
                </Descriptions>
                <Segmented
                  value={mode}
                  onChange={(v) => setMode(v as 'checkout' | 'return')}
                  options={[
                    { value: 'checkout', label: t('dev.co.modeCheckout') },
                    { value: 'return', label: t('dev.co.modeReturn') },
                  ]}
                  style={{ marginBottom: 16 }}
                />
                <Form<CheckValues> form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
                  {mode === 'checkout' && (
                    <Form.Item name="personId" label={t('dev.co.officer')} rules={[{ required: true }]}>
                      <PersonSelect id="checkout-officer" />
                    </Form.Item>
                  )}
                  <Row gutter={16}>
                    <Col span={8}>
                      <Form.Item name="batteryPct" label={t('dev.co.battery')} rules={[{ required: true }]}>
                        <InputNumber min={0} max={100} style={{ width: '100%' }} id="checkout-battery" />
                      </Form.Item>
                    </Col>
                    <Col span={8}>
                      <Form.Item name="freeStorageMb" label={t('dev.co.storage')} rules={[{ required: true }]}>
                        <InputNumber min={0} style={{ width: '100%' }} id="checkout-storage" />
                      </Form.Item>
                    </Col>
                    <Col span={8}>
                      <Form.Item name="deviceClock" label={t('dev.co.deviceClock')} tooltip={t('dev.co.deviceClockHelp')} rules={[{ required: true }]}>
                        <DatePicker showTime={{ format: 'HH:mm:ss' }} format="YYYY-MM-DD HH:mm:ss" style={{ width: '100%' }} id="checkout-clock" allowClear={false} />
                      </Form.Item>
                    </Col>
                  </Row>
                  <Form.Item name="damage" valuePropName="checked" style={{ marginBottom: 8 }}>
                    <Checkbox id="checkout-damage">{t('dev.co.damage')}</Checkbox>
                  </Form.Item>
                  {damage && (
                    <Form.Item name="damageNote" label={t('dev.co.damageNote')} rules={[{ required: true }]}>
                      <Input.TextArea rows={2} maxLength={500} />
                    </Form.Item>
                  )}
                  {mode === 'checkout' && (
                    <Form.Item name="openFaultOnFailure" valuePropName="checked">
                      <Checkbox>{t('dev.co.openFault')}</Checkbox>
                    </Form.Item>
                  )}
                  <Button type="primary" htmlType="submit" size="large" loading={busy} data-testid="checkout-submit">
                    {mode === 'checkout' ? t('dev.co.submitCheckout') : t('dev.co.submitReturn')}
                  </Button>
                </Form>
              </>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={t('dev.co.outNow')}>
            <Table<OpenCheckout>
              rowKey="id"
              size="small"
              dataSource={open}
              pagination={false}
              data-testid="open-checkouts"
              onRow={(r) => ({ onClick: () => (setNumber(r.deviceNumber), void find(r.deviceNumber)), style: { cursor: 'pointer' } })}
              columns={[
                { title: t('dev.col.number'), dataIndex: 'deviceNumber' },
                { title: t('dev.col.holder'), key: 'p', render: (_, r) => `${r.personName}（${r.staffNumber}）` },
                { title: t('dev.co.since'), dataIndex: 'checkedOutAt', render: (v: string) => formatTime(v, false) },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </>
  );
}
