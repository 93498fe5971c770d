import { Form, Input, Modal, Select } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import { DEPARTMENT_KINDS, type Department, type DepartmentInput, type DepartmentKind } from '../../api/shapes.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { subtreeIds } from '../../lib/department-tree.ts';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { selectRequired, textRules, validFormValues } from '../../lib/validation.ts';

interface Values {
  name: string;
  code?: string;
  kind: DepartmentKind;
  parentId?: string;
}

interface Props {
  open: boolean;
  /** The department being edited; undefined to create one. */
  editing?: Department;
  /** Preselected parent when creating a sub-department. */
  parentId?: string;
  departments: Department[] | undefined;
  onClose(): void;
  onSaved(d: Department): void;
}

/** Create or edit a department: name, code, kind (局/处室/执法支队/其他) and parent. */
export function DepartmentFormModal({ open, editing, parentId, departments, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  // A department cannot become its own ancestor: its own subtree is not offered as a parent.
  const disabledIds = useMemo(() => (editing ? subtreeIds(departments ?? [], editing.id) : undefined), [editing, departments]);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(
      editing
        ? { name: editing.name, code: editing.code ?? undefined, kind: editing.kind, parentId: editing.parentId ?? undefined }
        : { kind: 'detachment', parentId },
    );
  }, [open, editing, parentId, form]);

  const submit = async () => {
    const v = await validFormValues(form);
    if (!v) return;
    const body: DepartmentInput = { name: v.name.trim(), code: v.code?.trim() || null, kind: v.kind, parentId: v.parentId ?? null };
    setSaving(true);
    try {
      const saved = editing ? await unwrap(client.PATCH('/api/departments/{id}', { params: { path: { id: editing.id } }, body })) : await unwrap(client.POST('/api/departments', { body }));
      notifySuccess(editing ? t('common.saved') : t('common.created'));
      onSaved(saved);
    } catch (e) {
      showFormError(form, e, ['name', 'code', 'kind', 'parentId']);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      title={editing ? t('dept.edit') : t('dept.create')}
      open={open}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      forceRender
    >
      <Form form={form} layout="vertical" autoComplete="off">
        <Form.Item name="name" label={t('dept.name')} rules={textRules(t, t('dept.name'), 100)}>
          <Input placeholder="商务综合执法支队" />
        </Form.Item>
        <Form.Item name="code" label={t('dept.code')} rules={textRules(t, t('dept.code'), 40, false)}>
          <Input />
        </Form.Item>
        <Form.Item name="kind" label={t('dept.kind')} rules={selectRequired(t, t('dept.kind'))}>
          <Select options={DEPARTMENT_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))} />
        </Form.Item>
        <Form.Item name="parentId" label={t('dept.parent')}>
          <DepartmentSelect departments={departments} allowClear placeholder={t('dept.parentNone')} disabledIds={disabledIds} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
