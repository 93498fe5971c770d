import { Alert, DatePicker, Divider, Form, Input, Switch, type FormInstance } from 'antd';
import type { Dayjs } from 'dayjs';
import type { Department } from '../../api/shapes.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { selectRequired, textRules } from '../../lib/validation.ts';

/** The form's values; names mirror the API body so server field errors land on the right field. */
export interface PersonFormValues {
  name: string;
  staffNumber: string;
  departmentId: string;
  enrolled: boolean;
  hasCertificate: boolean;
  certificate?: { number?: string; examPassedOn?: Dayjs | null; validUntil?: Dayjs | null; issuingBody?: string };
}

/** Field paths the server may name in `fields`. */
export const personFormFields = [
  'name',
  'staffNumber',
  'departmentId',
  'enrolled',
  'certificate',
  'certificate.number',
  'certificate.examPassedOn',
  'certificate.validUntil',
  'certificate.issuingBody',
] as const;

/** Name, staff number, department, enrolment and the enforcement certificate (第七条). */
export function PersonForm({ form, departments, disabled }: { form: FormInstance<PersonFormValues>; departments: Department[] | undefined; disabled?: boolean }) {
  const { t } = useI18n();
  const hasCertificate = Form.useWatch('hasCertificate', form);
  return (
    <Form form={form} layout="vertical" autoComplete="off" disabled={disabled} initialValues={{ enrolled: true, hasCertificate: true }}>
      <Form.Item name="name" label={t('people.name')} rules={textRules(t, t('people.name'), 60)}>
        <Input />
      </Form.Item>
      <Form.Item
        name="staffNumber"
        label={t('people.staffNumber')}
        rules={[...textRules(t, t('people.staffNumber'), 40), { pattern: /^[A-Za-z0-9-]+$/, message: t('people.staffNumberRule') }]}
      >
        <Input />
      </Form.Item>
      <Form.Item name="departmentId" label={t('people.department')} rules={selectRequired(t, t('people.department'))}>
        <DepartmentSelect departments={departments} placeholder={t('common.select', { field: t('people.department') })} />
      </Form.Item>
      <Form.Item name="enrolled" label={t('people.enrolled')} valuePropName="checked">
        <Switch checkedChildren={t('common.yes')} unCheckedChildren={t('common.no')} />
      </Form.Item>
      <Divider titlePlacement="start">{t('people.certificate')}</Divider>
      <Form.Item name="hasCertificate" label={t('people.hasCertificate')} valuePropName="checked">
        <Switch checkedChildren={t('common.yes')} unCheckedChildren={t('people.noCertificate')} />
      </Form.Item>
      {hasCertificate ? (
        <>
          <Form.Item name={['certificate', 'number']} label={t('people.certNumber')} rules={textRules(t, t('people.certNumber'), 40)}>
            <Input placeholder="冀商执字第 0001 号" />
          </Form.Item>
          <Form.Item name={['certificate', 'examPassedOn']} label={t('people.examPassedOn')}>
            <DatePicker style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item
            name={['certificate', 'validUntil']}
            label={t('people.validUntil')}
            dependencies={[['certificate', 'examPassedOn']]}
            rules={[
              { required: true, message: t('common.select', { field: t('people.validUntil') }) },
              ({ getFieldValue }) => ({
                // Same rule as the server (personnel.schema.ts): the certificate cannot expire before the exam.
                validator: (_, value: Dayjs | null | undefined) => {
                  const exam = getFieldValue(['certificate', 'examPassedOn']) as Dayjs | null | undefined;
                  return !value || !exam || !value.isBefore(exam, 'day') ? Promise.resolve() : Promise.reject(new Error(t('people.dateOrder')));
                },
              }),
            ]}
          >
            <DatePicker style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name={['certificate', 'issuingBody']} label={t('people.issuingBody')} rules={textRules(t, t('people.issuingBody'), 100, false)}>
            <Input />
          </Form.Item>
        </>
      ) : (
        <Alert type="warning" showIcon title={t('people.rule7')} />
      )}
    </Form>
  );
}
