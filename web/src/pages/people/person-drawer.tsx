import { Button, Drawer, Form, Space, Tabs } from 'antd';
import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { Department, Person, PersonInput } from '../../api/shapes.ts';
import { QualificationTag } from '../../components/qualification-tag.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatDate, parseDate } from '../../lib/time.ts';
import { PersonForm, personFormFields, type PersonFormValues } from './person-form.tsx';
import { TrainingRecords } from './training-records.tsx';
import { validFormValues } from '../../lib/validation.ts';

interface Props {
  open: boolean;
  /** The person to edit (or view); undefined to add a new one. */
  person?: Person;
  departments: Department[] | undefined;
  mayWrite: boolean;
  onClose(): void;
  onSaved(p: Person): void;
}

function toBody(v: PersonFormValues): PersonInput {
  const c = v.certificate;
  return {
    name: v.name.trim(),
    staffNumber: v.staffNumber.trim(),
    departmentId: v.departmentId,
    enrolled: v.enrolled,
    certificate:
      v.hasCertificate && c
        ? { number: (c.number ?? '').trim(), examPassedOn: formatDate(c.examPassedOn), validUntil: formatDate(c.validUntil) ?? '', issuingBody: c.issuingBody?.trim() || null }
        : null,
  };
}

/** Add or edit a person; for an existing person also their training records. */
export function PersonDrawer({ open, person, departments, mayWrite, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<PersonFormValues>();
  const [saving, setSaving] = useState(false);
  const [tab, setTab] = useState('info');

  useEffect(() => {
    if (!open) return;
    setTab('info');
    form.resetFields();
    if (person) {
      const c = person.certificate;
      form.setFieldsValue({
        name: person.name,
        staffNumber: person.staffNumber,
        departmentId: person.departmentId,
        enrolled: person.enrolled,
        hasCertificate: c !== null,
        certificate: c ? { number: c.number, examPassedOn: parseDate(c.examPassedOn), validUntil: parseDate(c.validUntil), issuingBody: c.issuingBody ?? undefined } : undefined,
      });
    }
  }, [open, person, form]);

  const save = async () => {
    const v = await validFormValues(form);
    if (!v) return;
    setSaving(true);
    try {
      const body = toBody(v);
      const saved = person ? await unwrap(client.PATCH('/api/personnel/{id}', { params: { path: { id: person.id } }, body })) : await unwrap(client.POST('/api/personnel', { body }));
      notifySuccess(person ? t('common.saved') : t('common.created'));
      onSaved(saved);
    } catch (e) {
      setTab('info');
      showFormError(form, e, personFormFields);
    } finally {
      setSaving(false);
    }
  };

  const formPane = <PersonForm form={form} departments={departments} disabled={!mayWrite} />;
  return (
    <Drawer
      title={
        person ? (
          <Space>
            {person.name}
            <QualificationTag qualification={person.qualification} />
          </Space>
        ) : (
          t('people.create')
        )
      }
      open={open}
      onClose={onClose}
      size={560}
      forceRender
      extra={
        // The training tab saves each record on its own; the drawer's save is for the person form.
        mayWrite &&
        tab === 'info' && (
          <Space>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="primary" onClick={save} loading={saving}>
              {t('common.save')}
            </Button>
          </Space>
        )
      }
    >
      {person ? (
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            { key: 'info', label: t('people.edit'), children: formPane, forceRender: true },
            { key: 'training', label: t('training.title'), children: <TrainingRecords personId={person.id} mayWrite={mayWrite} /> },
          ]}
        />
      ) : (
        formPane
      )}
    </Drawer>
  );
}
