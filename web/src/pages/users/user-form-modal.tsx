import { Checkbox, Form, Input, Modal, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { ROLES, type Department, type Role, type User, type UserCreate, type UserPatch } from '../../api/shapes.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { passwordRules, textRules, validFormValues } from '../../lib/validation.ts';
import { PersonPicker } from './person-picker.tsx';

interface Values {
  username: string;
  displayName: string;
  password?: string;
  personId?: string | null;
  departmentId?: string | null;
  roles: Role[];
  disabled?: boolean;
}

const FIELDS = ['username', 'displayName', 'password', 'personId', 'departmentId', 'roles', 'disabled'];

interface Props {
  open: boolean;
  /** The account to edit; undefined to create one. */
  editing?: User;
  departments: Department[] | undefined;
  onClose(): void;
  onSaved(u: User): void;
}

/** Create an account, or change its name, roles, department, person link, password or disabled state. */
export function UserFormModal({ open, editing, departments, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    if (editing) {
      form.setFieldsValue({
        username: editing.username,
        displayName: editing.displayName,
        personId: editing.personId,
        departmentId: editing.departmentId,
        roles: editing.roles,
        disabled: editing.disabled,
      });
    }
  }, [open, editing, form]);

  const submit = async () => {
    const v = await validFormValues(form);
    if (!v) return;
    setSaving(true);
    try {
      let saved: User;
      if (editing) {
        const patch: UserPatch = {
          displayName: v.displayName.trim(),
          personId: v.personId ?? null,
          departmentId: v.departmentId ?? null,
          roles: v.roles,
          disabled: v.disabled ?? false,
          // An empty password box means "keep the current password".
          ...(v.password ? { password: v.password } : {}),
        };
        saved = await unwrap(client.PATCH('/api/users/{id}', { params: { path: { id: editing.id } }, body: patch }));
      } else {
        const body: UserCreate = {
          username: v.username.trim().toLowerCase(),
          displayName: v.displayName.trim(),
          password: v.password ?? '',
          personId: v.personId ?? null,
          departmentId: v.departmentId ?? null,
          roles: v.roles,
        };
        saved = await unwrap(client.POST('/api/users', { body }));
      }
      notifySuccess(editing ? (v.password ? t('users.resetDone') : t('common.saved')) : t('common.created'));
      onSaved(saved);
    } catch (e) {
      showFormError(form, e, FIELDS);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      title={editing ? t('users.edit') : t('users.create')}
      open={open}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      width={680}
      forceRender
    >
      <Form form={form} layout="vertical" autoComplete="off" initialValues={{ roles: [] }}>
        <Form.Item
          name="username"
          label={t('users.username')}
          extra={editing ? undefined : t('users.usernameRule')}
          rules={[
            { required: true, whitespace: true, message: t('common.required', { field: t('users.username') }) },
            { pattern: /^[A-Za-z0-9._-]{2,40}$/, message: t('users.usernameRule') },
          ]}
        >
          <Input disabled={editing !== undefined} autoComplete="off" />
        </Form.Item>
        <Form.Item name="displayName" label={t('users.displayName')} rules={textRules(t, t('users.displayName'), 60)}>
          <Input />
        </Form.Item>
        <Form.Item
          name="password"
          label={editing ? t('users.resetPassword') : t('users.password')}
          extra={editing ? t('users.resetPasswordHint') : undefined}
          rules={passwordRules(t, editing ? t('users.resetPassword') : t('users.password'), !editing)}
          hasFeedback
        >
          {/* The rule is the placeholder, so it is not shown twice next to its own error message. */}
          <Input.Password autoComplete="new-password" placeholder={t('users.passwordRule')} />
        </Form.Item>
        <Form.Item name="roles" label={t('users.roles')} rules={[{ required: true, type: 'array', min: 1, message: t('common.select', { field: t('users.roles') }) }]}>
          <Checkbox.Group options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        <Form.Item name="departmentId" label={t('users.department')} extra={t('users.departmentHint')}>
          <DepartmentSelect departments={departments} allowClear placeholder={t('common.select', { field: t('users.department') })} />
        </Form.Item>
        <Form.Item name="personId" label={t('users.person')} extra={t('users.personHint')}>
          <PersonPicker />
        </Form.Item>
        {editing && (
          <Form.Item name="disabled" label={t('users.disable')} valuePropName="checked">
            <Switch checkedChildren={t('users.disabled')} unCheckedChildren={t('users.active')} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
