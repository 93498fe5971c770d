import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import * as records from './case-records.service.ts';
import {
  caseCreate,
  caseListItem,
  caseListQuery,
  caseUpdate,
  caseView,
  checklistSave,
  checklistVersions,
  checklistView,
  deadlineCreate,
  deadlineView,
  deliveredBody,
  gapList,
  linkCreate,
  linkFromRecording,
  partyCreate,
  recordingCases,
  revealBody,
  stageMove,
  unlinkBody,
  writtenReasonCreate,
} from './cases.schema.ts';
import * as service from './cases.service.ts';
import { partyIdKey } from './party-id-crypto.ts';

const tags = ['cases'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 422: errorBody };
const dashLimit = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

/** 案件 — cases, their stages, parties, links to recordings, the recording checklist and evidence deadlines. */
export async function caseRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // The party-ID key exists from the first start (a missing or unreadable key folder stops start-up, not a request).
  await partyIdKey(app.deps.config.dataDir);

  app.get(
    '/api/cases',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '案件列表 Cases I may read (filters: status, procedure, department, text)', querystring: caseListQuery, response: { 200: z.object({ items: z.array(caseListItem), nextCursor: z.string().nullable() }), 400: errorBody } } },
    async (req) => service.listCases(app.deps, userOf(req), req.query),
  );
  app.post(
    '/api/cases',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '立案 File a case (officers, parties; ID numbers encrypted)', body: caseCreate, response: { 201: caseView, ...errors } } },
    async (req, reply) => reply.status(201).send(await service.createCase(app.deps, userOf(req), req.body)),
  );
  app.get(
    '/api/cases/gaps',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '记录缺口 Stages of open cases that need AV and have neither a recording nor a written reason (第十六条)', querystring: dashLimit, response: { 200: gapList, 400: errorBody } } },
    async (req) => records.listGaps(app.deps, userOf(req), req.query.limit),
  );
  app.get(
    '/api/cases/deadlines',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '举证期限 Open evidence hand-over deadlines, soonest first (第十三条)', querystring: dashLimit, response: { 200: z.object({ today: z.string(), items: z.array(deadlineView) }), 400: errorBody } } },
    async (req) => records.listOpenDeadlines(app.deps, userOf(req), req.query.limit),
  );
  app.get(
    '/api/cases/:id',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '案件详情 One case: parties (masked), officers, stages, checklist and gaps, links, deadlines', params: idParams, response: { 200: caseView, ...errors } } },
    async (req) => service.getCase(app.deps, userOf(req), req.params.id),
  );
  app.patch(
    '/api/cases/:id',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '修改案件 Change the cause, coercive measures or officers', params: idParams, body: caseUpdate, response: { 200: caseView, ...errors } } },
    async (req) => service.updateCase(app.deps, userOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/cases/:id/stage',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '阶段变更 Move the case to a stage (skips and moves back need a reason)', params: idParams, body: stageMove, response: { 200: caseView, ...errors } } },
    async (req) => service.moveStage(app.deps, userOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/cases/:id/parties',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '添加当事人 Add a party', params: idParams, body: partyCreate, response: { 201: caseView, ...errors } } },
    async (req, reply) => reply.status(201).send(await service.addParty(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.post(
    '/api/cases/:id/parties/:partyId/reveal',
    {
      config: { permission: 'cases:reveal' },
      schema: { tags, summary: '查看证件号码 Show a party’s ID number in full (audited, with the reason)', params: z.object({ id: z.uuid(), partyId: z.uuid() }), body: revealBody, response: { 200: z.object({ partyId: z.uuid(), idNumber: z.string() }), ...errors, 503: errorBody } },
    },
    async (req) => service.revealPartyId(app.deps, userOf(req), req.params.id, req.params.partyId, req.body.reason),
  );
  app.post(
    '/api/cases/:id/links',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '关联声像资料 Link a recording to a stage of the case', params: idParams, body: linkCreate, response: { 201: z.object({ id: z.uuid() }), ...errors } } },
    async (req, reply) => reply.status(201).send(await records.linkRecording(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.post(
    '/api/cases/:id/links/:linkId/unlink',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '解除关联 End a link, with a reason (the link stays on record)', params: z.object({ id: z.uuid(), linkId: z.uuid() }), body: unlinkBody, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await records.unlinkRecording(app.deps, userOf(req), req.params.id, req.params.linkId, req.body.reason);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/api/cases/:id/written-reasons',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '未录音录像说明 Why a stage has no AV (受客观条件限制)', params: idParams, body: writtenReasonCreate, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await records.recordWrittenReason(app.deps, userOf(req), req.params.id, req.body);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/api/cases/:id/deadlines',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '登记复议或诉讼 Record a reconsideration or lawsuit; computes the evidence deadline', params: idParams, body: deadlineCreate, response: { 201: z.array(deadlineView), ...errors } } },
    async (req, reply) => reply.status(201).send(await records.recordDeadline(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.post(
    '/api/cases/:id/deadlines/:deadlineId/delivered',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '证据已提交 Record that the evidence was handed over', params: z.object({ id: z.uuid(), deadlineId: z.uuid() }), body: deliveredBody, response: { 200: z.array(deadlineView), ...errors } } },
    async (req) => records.markDeadlineDelivered(app.deps, userOf(req), req.params.id, req.params.deadlineId, req.body),
  );
  app.get(
    '/api/recordings/:id/cases',
    { config: { permission: 'recordings:read' }, schema: { tags, summary: '关联案件 The cases this recording serves (those I may read)', params: idParams, response: { 200: recordingCases, ...errors } } },
    async (req) => records.casesOfRecording(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/recordings/:id/cases',
    { config: { permission: 'cases:write' }, schema: { tags, summary: '关联到案件 Link this recording to a case stage (from the recording page)', params: idParams, body: linkFromRecording, response: { 201: z.object({ id: z.uuid() }), ...errors } } },
    async (req, reply) => reply.status(201).send(await records.linkRecording(app.deps, userOf(req), req.body.caseId, { recordingId: req.params.id, stage: req.body.stage, note: req.body.note ?? null })),
  );
  app.get(
    '/api/recording-checklist',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '音像记录事项清单 The checklist in force, or a version (第十六条)', querystring: z.object({ version: z.coerce.number().int().min(1).max(1_000_000).optional() }), response: { 200: checklistView, 400: errorBody, 404: errorBody } } },
    async (req) => records.getChecklist(app.deps, req.query.version),
  );
  app.get(
    '/api/recording-checklist/versions',
    { config: { permission: 'cases:read' }, schema: { tags, summary: '清单版本 Versions of the checklist', response: { 200: checklistVersions } } },
    async () => records.listChecklistVersions(app.deps),
  );
  app.post(
    '/api/recording-checklist',
    { config: { permission: 'settings:write' }, schema: { tags, summary: '保存新版本清单 Save a new version of the whole checklist (new cases use it)', body: checklistSave, response: { 201: checklistView, ...errors } } },
    async (req, reply) => reply.status(201).send(await records.saveChecklist(app.deps, userOf(req), req.body)),
  );
}
