import { Alert, Form, Modal, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, client, unwrap } from '../../api/client.ts';
import type { Department, Person } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { PersonPicker } from '../users/person-picker.tsx';

/**
 * The department's head (负责人) by name and staff number. The person is read with the viewer's own rights
 * (people are scoped), so a head outside the viewer's reach is shown as set but unnamed.
 */
export function DepartmentHeadName({ personId }: { personId: string | null }) {
  const { t } = useI18n();
  const [person, setPerson] = useState<Person | null>();
  useEffect(() => {
    setPerson(undefined);
    if (!personId) return;
    unwrap(client.GET('/api/personnel/{id}', { params: { path: { id: personId } } })).then(setPerson, (e: unknown) => {
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) setPerson(null);
    });
  }, [personId]);
  if (!personId) return <Typography.Text type="secondary">{t('dept.headNone')}</Typography.Text>;
  if (person === undefined) return <span>…</span>;
  if (person === null) return <Typography.Text type="secondary">{t('dept.headUnreadable')}</Typography.Text>;
  return (
    <span data-testid="department-head-name">
      {person.name}（{person.staffNumber} · {person.departmentName}）
    </span>
  );
}

/** Why the head matters (第十四条: cross-department requests are decided only by the owning department's head). */
export function DepartmentHeadHelp() {
  const { t } = useI18n();
  return <Alert type="info" showIcon title={t('dept.head')} description={t('dept.headHelp')} data-testid="department-head-help" />;
}

/** Names (or clears) a department's head: PUT /api/departments/:id/head (admins; audited by the server). */
export function DepartmentHeadModal({ department, onClose, onSaved }: { department?: Department; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ personId: string | null }>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (department) form.setFieldsValue({ personId: department.headPersonId });
  }, [department, form]);

  const submit = async () => {
    if (!department) return;
    setSaving(true);
    try {
      await unwrap(client.PUT('/api/departments/{id}/head', { params: { path: { id: department.id } }, body: { personId: form.getFieldValue('personId') ?? null } }));
      notifySuccess(t('dept.headSaved'));
      onSaved();
    } catch (e) {
      showFormError(form, e, ['personId']);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      title={t('dept.headTitle', { name: department?.name ?? '' })}
      open={department !== undefined}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'department-head-save' }}
      forceRender
    >
      <Typography.Paragraph type="secondary">{t('dept.headHelp')}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item name="personId" label={t('dept.headPerson')}>
          <PersonPicker />
        </Form.Item>
      </Form>
    </Modal>
  );
}
