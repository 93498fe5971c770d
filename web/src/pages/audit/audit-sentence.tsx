import { Typography } from 'antd';
import { Fragment, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { AuditEvent } from '../../api/shapes.ts';
import { useI18n, type DictKey } from '../../i18n/i18n-context.tsx';
import { formatTime } from '../../lib/time.ts';
import type { AuditNames } from './audit-names.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const short = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The audit log filtered to one object's events. */
export const historyHref = (type: string, id: string) => `/audit/events?targetType=${encodeURIComponent(type)}&targetId=${encodeURIComponent(id)}`;

/** Where a target is shown: its own page where there is one, else its history in the audit log. */
export function targetHref(type: string, id: string): string {
  switch (type) {
    case 'recording':
      return `/recordings/${id}`;
    case 'person':
      return `/system/people?person=${encodeURIComponent(id)}`;
    case 'department':
      return `/system/departments?department=${encodeURIComponent(id)}`;
    case 'user':
      return '/system/users';
    case 'setting':
      return '/system/settings';
    case 'case':
      return `/cases/${id}`;
    default:
      return historyHref(type, id);
  }
}

/** The target's name from the lookups, else from what the event itself recorded. */
export function targetName(e: AuditEvent, names: AuditNames): string | undefined {
  if (!e.targetType || !e.targetId) return undefined;
  const d = e.details;
  const before = isRecord(d.before) ? d.before : {};
  const after = isRecord(d.after) ? d.after : {};
  const recorded = (k: string) => [after[k], before[k], d[k]].find((v): v is string => typeof v === 'string' && v !== '');
  const id = e.targetId;
  switch (e.targetType) {
    case 'recording':
      return names.recording(id) ?? recorded('fileName');
    case 'person':
      return names.person(id) ?? recorded('name');
    case 'department':
      return names.department(id) ?? recorded('name');
    case 'user':
      return names.user(id) ?? recorded('username') ?? (e.actorId === id ? e.actorLabel : undefined);
    case 'upload':
      return recorded('fileName');
    case 'case':
      return recorded('caseNumber');
    case 'api_token':
      return recorded('name');
    case 'setting':
      return id;
    case 'original':
      return `SHA-256 ${id.slice(0, 12)}…`;
    default:
      return undefined;
  }
}

/** Dictionary key of a field's label, per target type (the labels the edit forms use). */
const FIELD_LABELS: Record<string, Record<string, DictKey>> = {
  recording: { departmentId: 'rec.department', officerIds: 'rec.officers' },
  person: { name: 'people.name', staffNumber: 'people.staffNumber', departmentId: 'people.department', enrolled: 'people.enrolled', certificate: 'people.certificate' },
  department: { name: 'dept.name', code: 'dept.code', kind: 'dept.kind', parentId: 'dept.parent' },
  user: { displayName: 'users.displayName', roles: 'users.roles', departmentId: 'users.department', personId: 'users.person', disabled: 'users.disabled', passwordReset: 'audit.passwordReset' },
  setting: { value: 'audit.field.value' },
};

interface Change {
  key: string;
  before?: unknown;
  after: unknown;
  hasBefore: boolean;
}

/** What an update changed: `before`/`after` pairs, or `before` with the submitted `changes`. */
export function changesOf(e: AuditEvent): Change[] {
  const { before, after, changes } = e.details;
  if (e.action === 'setting.update' && 'after' in e.details) return [{ key: 'value', before, after, hasBefore: true }];
  const b = isRecord(before) ? before : undefined;
  const next = isRecord(changes) ? changes : b && isRecord(after) ? after : undefined;
  if (!next) return [];
  return Object.entries(next)
    .filter(([k, v]) => !b || JSON.stringify(b[k] ?? null) !== JSON.stringify(v ?? null))
    .map(([k, v]) => ({ key: k, before: b?.[k], after: v, hasBefore: !!b && k in b }));
}

/** The actor: an account's name, or the system / a named background job (their labels are codes). */
function actorName(e: AuditEvent, names: AuditNames, t: ReturnType<typeof useI18n>['t'], maybe: (k: string) => string | undefined): string {
  if (e.actorId) return names.user(e.actorId) ?? e.actorLabel;
  if (e.actorLabel === 'system') return t('audit.systemActor');
  if (e.actorLabel.startsWith('job:')) {
    const kind = e.actorLabel.slice(4);
    return t('audit.jobActor', { name: maybe(`jobKind.${kind}`) ?? kind });
  }
  return e.actorLabel;
}

/** One audit event as a sentence: who did what to which object (a link), and what changed. */
export function AuditSentence({ event, names }: { event: AuditEvent; names: AuditNames }) {
  const { t, maybe } = useI18n();
  const kind = event.targetType ? (maybe(`target.${event.targetType}`) ?? event.targetType) : '';

  const value = (key: string, v: unknown): string => {
    if (v === null || v === undefined || v === '') return t('audit.emptyValue');
    if ((key === 'departmentId' || key === 'parentId') && typeof v === 'string') return names.department(v) ?? short(v);
    if (key === 'personId' && typeof v === 'string') return names.person(v) ?? short(v);
    if (key === 'officerIds' && Array.isArray(v)) return v.length ? v.map((id) => names.person(String(id)) ?? short(String(id))).join('、') : t('audit.emptyValue');
    if (key === 'roles' && Array.isArray(v)) return v.map((r) => maybe(`role.${String(r)}`) ?? String(r)).join('、');
    if (key === 'activity') return maybe(`activity.${String(v)}`) ?? String(v);
    if (key === 'kind') return maybe(`kind.${String(v)}`) ?? String(v);
    if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
    if (typeof v === 'string') return ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)) ? formatTime(v) : v.length > 80 ? `${v.slice(0, 80)}…` : v;
    if (key === 'certificate' && isRecord(v)) return [v.number, v.validUntil].filter(Boolean).join('，');
    return JSON.stringify(v);
  };
  const fieldLabel = (key: string) => {
    const k = FIELD_LABELS[event.targetType ?? '']?.[key];
    return k ? t(k) : (maybe(`rec.${key}`) ?? key);
  };

  const target =
    event.targetType && event.targetId ? (
      <Link to={targetHref(event.targetType, event.targetId)} data-testid="audit-target-link">
        {(() => {
          const name = targetName(event, names);
          return name ? t('audit.quoted', { name }) : `${t('audit.unreadableTarget', { kind })} ${short(event.targetId)}`;
        })()}
      </Link>
    ) : null;
  const parts: Record<string, ReactNode> = {
    actor: <Typography.Text strong>{actorName(event, names, t, maybe)}</Typography.Text>,
    target,
    kind,
    action: maybe(`action.${event.action}`) ?? event.action,
  };
  const template = maybe(`auditSentence.${event.action}`) ?? t('auditSentence.other');

  const changes = changesOf(event).map((c) =>
    c.key === 'passwordReset'
      ? fieldLabel(c.key)
      : c.hasBefore
        ? t('audit.changeArrow', { field: fieldLabel(c.key), before: value(c.key, c.before), after: value(c.key, c.after) })
        : t('audit.changeSet', { field: fieldLabel(c.key), after: value(c.key, c.after) }),
  );
  const reason = typeof event.details.reason === 'string' && event.action.startsWith('recording.') ? event.details.reason : undefined;
  const day = event.action === 'offload.receipt.confirm' && typeof event.details.day === 'string' ? event.details.day : undefined;

  return (
    <span data-testid="audit-sentence">
      {template.split(/(\{(?:actor|target|kind|action)\})/).map((piece, i) => {
        const m = /^\{(\w+)\}$/.exec(piece);
        return <Fragment key={i}>{m ? parts[m[1]!] : piece}</Fragment>;
      })}
      {changes.length > 0 && t('audit.changes', { changes: changes.join(t('audit.separator')) })}
      {reason && t('audit.reason', { reason })}
      {day && t('audit.day', { day })}
    </span>
  );
}
