import { Button, Form, Space, type FormInstance } from 'antd';
import { useI18n } from '../i18n/i18n-context.tsx';

/** The 查询 / 重置 buttons closing a filter form: reset clears the form and the applied filters. */
export function FilterActions({ form, onReset }: { form: FormInstance; onReset: () => void }) {
  const { t } = useI18n();
  return (
    <Form.Item>
      <Space>
        <Button type="primary" htmlType="submit">
          {t('common.search')}
        </Button>
        <Button
          onClick={() => {
            form.resetFields();
            onReset();
          }}
        >
          {t('common.reset')}
        </Button>
      </Space>
    </Form.Item>
  );
}
