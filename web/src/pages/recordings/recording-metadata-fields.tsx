import { Col, DatePicker, Form, Input, Radio, Row, Select, type FormInstance } from 'antd';
import type { Dayjs } from 'dayjs';
import { ACTIVITIES, PARTY_INFORMED } from '../../api/shapes.ts';
import type { Department } from '../../api/shapes.ts';
import { DepartmentSelect } from '../../components/department-select.tsx';
import { PersonSelect } from '../../components/person-select.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import type { MetadataFormValues } from '../../lib/recording-metadata.ts';
import { selectRequired, textRules } from '../../lib/validation.ts';

interface Props {
  form: FormInstance<MetadataFormValues>;
  departments: Department[] | undefined;
  /** 3 on the wide upload page, 1 in the edit drawer. */
  columns: 1 | 3;
}

const DATE_TIME = 'YYYY-MM-DD HH:mm:ss';

/**
 * The recording's descriptive metadata (第十五条 search fields, 第十七条 party informed), shared by
 * the upload form and the edit drawer. Limits mirror recordings.schema.ts so the form complains
 * before the server does. Must be rendered inside a <Form> bound to `form`.
 */
export function RecordingMetadataFields({ form, departments, columns }: Props) {
  const { t } = useI18n();
  const partyInformed = Form.useWatch('partyInformed', form);
  const span = columns === 3 ? { xs: 24, md: 12, xl: 8 } : { span: 24 };
  const wide = columns === 3 ? { xs: 24, xl: 16 } : { span: 24 };
  const full = { span: 24 };
  const timeLabel = (key: 'rec.recordedStart' | 'rec.recordedEnd') => `${t(key)}（${t('rec.timeHint')}）`;

  return (
    <Row gutter={16}>
      <Col {...span}>
        <Form.Item name="departmentId" label={t('rec.department')} rules={selectRequired(t, t('rec.department'))}>
          <DepartmentSelect departments={departments} placeholder={t('common.select', { field: t('rec.department') })} />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="deviceNumber" label={t('rec.deviceNumber')} rules={textRules(t, t('rec.deviceNumber'), 40, false)}>
          <Input placeholder="DSJ1234567" />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="activity" label={t('rec.activity')} rules={selectRequired(t, t('rec.activity'))}>
          <Select options={ACTIVITIES.map((a) => ({ value: a, label: t(`activity.${a}`) }))} placeholder={t('common.select', { field: t('rec.activity') })} />
        </Form.Item>
      </Col>
      <Col {...wide}>
        <Form.Item
          name="officerIds"
          label={t('rec.officers')}
          extra={t('rec.officersHint')}
          rules={[
            { required: true, type: 'array', min: 1, message: t('common.select', { field: t('rec.officers') }) },
            { type: 'array', max: 10, message: '≤ 10' },
          ]}
        >
          <PersonSelect mode="multiple" placeholder={t('rec.officerSearch')} />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="recordedStart" label={timeLabel('rec.recordedStart')} rules={[{ required: true, message: t('common.select', { field: t('rec.recordedStart') }) }]}>
          <DatePicker showTime format={DATE_TIME} style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item
          name="recordedEnd"
          label={timeLabel('rec.recordedEnd')}
          dependencies={['recordedStart']}
          rules={[
            ({ getFieldValue }) => ({
              // Same rule as the server: the end is not before the start.
              validator: (_, end: Dayjs | null | undefined) => {
                const start = getFieldValue('recordedStart') as Dayjs | undefined;
                return !end || !start || !end.isBefore(start) ? Promise.resolve() : Promise.reject(new Error(t('rec.endBeforeStart')));
              },
            }),
          ]}
        >
          <DatePicker showTime format={DATE_TIME} style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="party" label={t('rec.party')} rules={textRules(t, t('rec.party'), 200, false)}>
          <Input placeholder="某某商贸有限公司" />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="caseName" label={t('rec.caseName')} rules={textRules(t, t('rec.caseName'), 200, false)}>
          <Input />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="caseNumber" label={t('rec.caseNumber')} rules={textRules(t, t('rec.caseNumber'), 100, false)}>
          <Input />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="location" label={t('rec.location')} rules={textRules(t, t('rec.location'), 200, false)}>
          <Input />
        </Form.Item>
      </Col>
      <Col {...span}>
        <Form.Item name="partyInformed" label={t('rec.partyInformed')} tooltip={t('rec.partyInformedHint')} rules={selectRequired(t, t('rec.partyInformed'))}>
          <Radio.Group options={PARTY_INFORMED.map((p) => ({ value: p, label: t(`partyInformed.${p}`) }))} />
        </Form.Item>
      </Col>
      {partyInformed === 'no' && (
        <Col {...span}>
          <Form.Item
            name="partyInformedReason"
            label={t('rec.partyInformedReason')}
            rules={[{ required: true, whitespace: true, message: t('rec.reasonRequired') }, ...textRules(t, t('rec.partyInformedReason'), 500, false)]}
          >
            <Input />
          </Form.Item>
        </Col>
      )}
      <Col {...full}>
        <Form.Item name="notes" label={t('rec.notes')} rules={textRules(t, t('rec.notes'), 2000, false)}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
        </Form.Item>
      </Col>
    </Row>
  );
}
