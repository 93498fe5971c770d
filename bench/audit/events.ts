// The audit events the audit benches write: realistic person.update events (about 730 bytes of JSON with
// Chinese text) and their chain rows with real hashes. Shared by audit.bench.ts and verify-scale.bench.ts.
import { randomUUID } from 'node:crypto';
import { eventHash, type AuditInput } from '../../src/platform/audit/audit-chain.ts';

// ---------------------------------------------------------------------------------------------
// Realistic event content

const SURNAMES = ['张', '王', '李', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '磊', '强', '洋', '艳'];
const DEPARTMENTS = ['第一执法支队', '第二执法支队', '法制处', '城东综合执法大队', '交通运输执法总队'];
const ACTOR_IDS = Array.from({ length: 20 }, () => randomUUID());
const DEPT_IDS = DEPARTMENTS.map(() => randomUUID());

function personName(i: number): string {
  return SURNAMES[i % SURNAMES.length]! + GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]!;
}

/** What a person.update event records: before/after of the changed fields, reason, request context. */
export function personUpdateInput(i: number): AuditInput {
  const actor = i % ACTOR_IDS.length;
  const dept = i % DEPARTMENTS.length;
  const staff = `ZF${String(100000 + (i % 900000))}`;
  return {
    actor: { kind: 'user', id: ACTOR_IDS[actor]!, label: `${personName(actor + 3)}（admin${actor}）` },
    action: 'person.update',
    target: { type: 'person', id: randomUUID() },
    details: {
      before: {
        name: personName(i),
        staffNumber: staff,
        department: { id: DEPT_IDS[dept], name: DEPARTMENTS[dept] },
        enrolled: false,
        certificate: null,
      },
      after: {
        name: personName(i),
        staffNumber: staff,
        department: { id: DEPT_IDS[(dept + 1) % DEPARTMENTS.length], name: DEPARTMENTS[(dept + 1) % DEPARTMENTS.length] },
        enrolled: true,
        certificate: {
          number: `沪执法证字第${String(20260000 + (i % 10000))}号`,
          issuer: '上海市司法局',
          examPassedOn: '2026-03-15',
          validUntil: '2029-12-31',
        },
      },
      changed: ['department', 'enrolled', 'certificate'],
      reason: '通过行政执法资格考试，核发行政执法证件并调整所属支队',
      request: { ip: `10.12.${i % 250}.${(i * 7) % 250}`, requestId: `req-${i.toString(36)}`, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) QuanLu-Web' },
    },
  };
}

/** A column-for-column audit_event row (what appendAuditEvent would insert). */
export interface EventRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: string;
  prev_hash: Buffer;
  hash: Buffer;
}

/** Time spent inside eventHash by chainRow (the pure hashing cost of generation). */
let eventHashMs = 0;
/** Milliseconds spent in eventHash so far. */
export const eventHashTime = () => eventHashMs;
export const resetEventHashTime = () => {
  eventHashMs = 0;
};

/** Builds the row for event `seq` after `prev`, with its real chain hash. */
export function chainRow(seq: bigint, prev: Buffer, input: AuditInput, at: Date): EventRow {
  const details: unknown = JSON.parse(JSON.stringify(input.details ?? {}));
  const e = {
    seq: seq.toString(),
    at,
    actorId: input.actor.kind === 'user' ? (input.actor.id ?? null) : null,
    actorLabel: input.actor.label,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    details,
  };
  const th = performance.now();
  const hash = eventHash(prev, e);
  eventHashMs += performance.now() - th;
  return {
    seq: e.seq,
    at,
    actor_id: e.actorId,
    actor_label: e.actorLabel,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    details: JSON.stringify(details),
    prev_hash: prev,
    hash,
  };
}

