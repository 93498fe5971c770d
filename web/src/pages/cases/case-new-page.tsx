import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Checkbox, DatePicker, Form, Input, Radio, Select, Space } from 'antd';
import type { Dayjs } from 'dayjs';
import { useNavigate } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { PersonSelect } from '../../components/person-select.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifySuccess, showFormError } from '../../lib/notify.ts';
import { formatDate } from '../../lib/time.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { useSession } from '../../session/session-context.tsx';
import { ACT_KINDS, type CaseCreate } from './cases-api.ts';

interface Values {
  caseNumber: string;
  cause: string;
  actKind: CaseCreate['actKind'];
  procedure: CaseCreate['procedure'];
  coerciveMeasures: boolean;
  departmentId: string;
  filedOn?: Dayjs;
  officerIds: string[];
  parties: { kind: 'person' | 'organisation'; name: string; idType: NonNullable<CaseCreate['parties']>[number]['idType']; idNumber: string; representative?: string; address?: string }[];
}

const FIELDS = ['caseNumber', 'cause', 'actKind', 'procedure', 'coerciveMeasures', 'departmentId', 'filedOn', 'officers', 'parties'];

/** 立案: number, cause, kind of act, procedure, officers (第七条), parties (ID numbers are encrypted on the server). */
export default function CaseNewPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const navigate = useNavigate();
  const { departments } = useDepartments();
  const [form] = Form.useForm<Values>();
  const departmentId = Form.useWatch('departmentId', form);

  const submit = async (v: Values) => {
    try {
      const body: CaseCreate = {
        caseNumber: v.caseNumber,
        cause: v.cause,
        actKind: v.actKind,
        procedure: v.procedure,
        coerciveMeasures: v.coerciveMeasures ?? false,
        departmentId: v.departmentId,
        ...(v.filedOn && { filedOn: formatDate(v.filedOn)! }),
        officers: (v.officerIds ?? []).map((personId, i) => ({ personId, lead: i === 0 })),
        parties: (v.parties ?? []).map((p) => ({ kind: p.kind, name: p.name, idType: p.idType, idNumber: p.idNumber, representative: p.representative || null, address: p.address || null })),
      };
      const c = await unwrap(client.POST('/api/cases', { body }));
      notifySuccess(t('cases.created'));
      navigate(`/cases/${c.id}`);
    } catch (e) {
      showFormError(form, e, FIELDS);
    }
  };

  return (
    <Card title={t('cases.new.title')} style={{ maxWidth: 900 }}>
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={{ actKind: 'penalty', procedure: 'general', coerciveMeasures: false, departmentId: me?.departmentId ?? undefined, parties: [{ kind: 'person', idType: 'resident_id' }] }}
      >
        <Space wrap size={16} style={{ width: '100%' }}>
          <Form.Item name="caseNumber" label={t('cases.col.caseNumber')} rules={[{ required: true, message: t('common.required', { field: t('cases.col.caseNumber') }) }]}>
            <Input style={{ width: 280 }} placeholder="冀商执罚〔2026〕1号" maxLength={100} />
          </Form.Item>
          <Form.Item name="filedOn" label={t('cases.col.filedOn')}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="departmentId" label={t('cases.col.department')} rules={[{ required: true, message: t('common.select', { field: t('cases.col.department') }) }]}>
            <DepartmentSelect departments={departments} style={{ width: 240 }} />
          </Form.Item>
        </Space>
        <Form.Item name="cause" label={t('cases.col.cause')} rules={[{ required: true, message: t('common.required', { field: t('cases.col.cause') }) }]}>
          <Input maxLength={500} />
        </Form.Item>
        <Space wrap size={24}>
          <Form.Item name="actKind" label={t('cases.col.actKind')}>
            <Select style={{ width: 160 }} options={ACT_KINDS.map((k) => ({ value: k, label: t(`cases.actKind.${k}`) }))} />
          </Form.Item>
          <Form.Item name="procedure" label={t('cases.col.procedure')}>
            <Radio.Group
              options={[
                { value: 'general', label: t('cases.procedure.general') },
                { value: 'simple', label: t('cases.procedure.simple') },
              ]}
            />
          </Form.Item>
          <Form.Item name="coerciveMeasures" label={t('cases.col.coercive')} valuePropName="checked">
            <Checkbox>{t('cases.coercive.yes')}</Checkbox>
          </Form.Item>
        </Space>
        <Form.Item name="officerIds" label={t('cases.officers')} extra={t('cases.officers.hint')} rules={[{ required: true, message: t('common.select', { field: t('cases.officers') }) }]}>
          <PersonSelect mode="multiple" departmentId={departmentId} />
        </Form.Item>
        <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('cases.party.encrypted')} />
        <Form.List name="parties">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Card key={f.key} size="small" style={{ marginBottom: 12 }} title={`${t('cases.parties')} ${f.name + 1}`} extra={<MinusCircleOutlined onClick={() => remove(f.name)} />}>
                  <Space wrap size={12}>
                    <Form.Item name={[f.name, 'kind']} label={t('cases.party.kind')}>
                      <Select
                        style={{ width: 150 }}
                        options={[
                          { value: 'person', label: t('cases.party.kind.person') },
                          { value: 'organisation', label: t('cases.party.kind.organisation') },
                        ]}
                      />
                    </Form.Item>
                    <Form.Item name={[f.name, 'name']} label={t('cases.party.name')} rules={[{ required: true, message: t('common.required', { field: t('cases.party.name') }) }]}>
                      <Input style={{ width: 220 }} maxLength={200} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'idType']} label={t('cases.party.idType')}>
                      <Select style={{ width: 170 }} options={(['resident_id', 'credit_code', 'passport', 'other'] as const).map((k) => ({ value: k, label: t(`cases.party.idType.${k}`) }))} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'idNumber']} label={t('cases.party.idNumber')} rules={[{ required: true, message: t('common.required', { field: t('cases.party.idNumber') }) }]}>
                      <Input style={{ width: 220 }} maxLength={40} autoComplete="off" />
                    </Form.Item>
                    <Form.Item name={[f.name, 'representative']} label={t('cases.party.representative')}>
                      <Input style={{ width: 140 }} maxLength={100} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'address']} label={t('cases.party.address')}>
                      <Input style={{ width: 300 }} maxLength={300} />
                    </Form.Item>
                  </Space>
                </Card>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ kind: 'person', idType: 'resident_id' })} style={{ marginBottom: 16 }}>
                {t('cases.party.add')}
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item>
          <Button type="primary" htmlType="submit" data-testid="submit-case">
            {t('cases.new')}
          </Button>
        </Form.Item>
      </Form>
    </Card>
  );
}
