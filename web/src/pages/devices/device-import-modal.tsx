import { UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Modal, Space, Table, Typography, Upload } from 'antd';
import { useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import type { ImportResult } from './devices-api.ts';

type Row = ImportResult['errors'][number];

const toBase64 = async (f: File) => {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

/** 导入设备台账: check first (nothing changes), then import the good rows; bad rows listed by row and column. */
export function DeviceImportModal({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t, language } = useI18n();
  const [file, setFile] = useState<File>();
  const [result, setResult] = useState<ImportResult>();
  const [busy, setBusy] = useState(false);

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    try {
      const format = file.name.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv';
      const r = await unwrap(client.POST('/api/devices/import', { body: { format, contentBase64: await toBase64(file), dryRun } }));
      setResult(r);
      if (!dryRun) notifySuccess(t('dev.import.done', { n: r.imported }));
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };

  const close = () => {
    setFile(undefined);
    setResult(undefined);
    onClose();
  };
  const bad = result ? new Set(result.errors.map((e) => e.row)).size : 0;

  return (
    <Modal title={t('dev.import.title')} open={open} onCancel={close} footer={null} width={820} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('dev.import.help')}</Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <Upload
          accept=".csv,.xlsx"
          maxCount={1}
          beforeUpload={(f) => {
            setFile(f);
            setResult(undefined);
            return false;
          }}
          showUploadList={{ showRemoveIcon: false }}
        >
          <Button icon={<UploadOutlined />}>{t('dev.import.choose')}</Button>
        </Upload>
        <Button disabled={!file} loading={busy} onClick={() => void run(true)}>
          {t('dev.import.check')}
        </Button>
        {result?.dryRun && result.importedNumbers.length > 0 && (
          <Button type="primary" loading={busy} onClick={() => void run(false)}>
            {t('dev.import.run', { n: result.importedNumbers.length })}
          </Button>
        )}
      </Space>
      {result && (
        <>
          <Alert
            type={result.errors.length ? 'warning' : 'success'}
            title={result.dryRun ? t('dev.import.result', { rows: result.rows, good: result.importedNumbers.length, bad }) : t('dev.import.done', { n: result.imported })}
            style={{ marginBottom: 16 }}
          />
          {result.errors.length > 0 && (
            <Table<Row>
              size="small"
              rowKey={(r) => `${r.row}-${r.column}`}
              dataSource={result.errors}
              pagination={false}
              columns={[
                { title: t('dev.import.row'), dataIndex: 'row', width: 60 },
                { title: t('dev.import.column'), dataIndex: 'column', width: 100 },
                { title: t('dev.import.value'), dataIndex: 'value', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
                { title: t('dev.import.problem'), key: 'p', render: (_, r) => (language === 'en' ? r.en : r.zh) },
              ]}
            />
          )}
        </>
      )}
    </Modal>
  );
}
