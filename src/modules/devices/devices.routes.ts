import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody, idParams, multilineText, userOf } from '../../platform/http/schemas.ts';
import * as care from './device-care.service.ts';
import * as checkouts from './device-checkout.service.ts';
import * as sheets from './device-import.service.ts';
import {
  checkoutBody,
  checkoutDone,
  deviceBody,
  deviceDetail,
  deviceList,
  devicePatch,
  deviceQuery,
  deviceView,
  exportQuery,
  faultBody,
  faultView,
  findingView,
  importBody,
  importResult,
  maintenanceBody,
  openCheckoutsView,
  recordingDeviceNotes,
  reminderView,
  repairBody,
  repairerBody,
  repairerPatch,
  repairerView,
  repairPatch,
  repairView,
  returnBody,
  returnDone,
  reviewView,
  typeParams,
  typePolicyBody,
  typePolicyView,
  usageView,
} from './devices.schema.ts';
import * as service from './devices.service.ts';

const tags = ['devices'];
const errors = { 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

/** `attachment` with an ASCII fallback name and the real name as RFC 8187 `filename*`. */
const attachment = (fileName: string) => `attachment; filename="${fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;

/** 执法记录设备 (第十五至二十条): register, checkout/return, maintenance, faults and repairs, usage. */
export async function deviceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // ---- register ----
  app.get(
    '/api/devices',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '设备台账 Device register with status counts', querystring: deviceQuery, response: { 200: deviceList } } },
    async (req) => service.listDevices(app.deps, userOf(req), req.query),
  );
  app.post(
    '/api/devices',
    { config: { permission: 'devices:manage' }, schema: { tags, summary: '登记设备 Register a device (第十五条)', body: deviceBody, response: { 201: deviceView, ...errors } } },
    async (req, reply) => reply.status(201).send(await service.createDevice(app.deps, userOf(req), req.body)),
  );
  app.post(
    '/api/devices/import',
    {
      config: { permission: 'devices:manage' },
      bodyLimit: 8 * 1024 * 1024,
      schema: { tags, summary: '导入设备台账 Import the register (CSV/XLSX; bad rows reported, good rows in)', body: importBody, response: { 200: importResult, ...errors } },
    },
    async (req) => sheets.importDevices(app.deps, userOf(req), req.body),
  );
  app.get(
    '/api/devices/export',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '导出设备台账 Export the register (CSV/XLSX; formula cells neutralised)', querystring: exportQuery, response: { 200: z.string().meta({ description: 'The register file (CSV text or XLSX bytes)' }) } } },
    async (req, reply) => {
      const f = await sheets.exportDevices(app.deps, userOf(req), req.query.format);
      return reply.type(f.mimeType).header('content-disposition', attachment(f.fileName)).header('cache-control', 'private, no-store').send(f.body as never);
    },
  );
  app.get(
    '/api/devices/reminders',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '保养提醒 Maintenance due or overdue (第十八条; 工作台)', response: { 200: reminderView } } },
    async (req) => service.maintenanceReminders(app.deps, userOf(req)),
  );
  app.get(
    '/api/devices/review',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '待核查声像资料 Recordings of unregistered devices or outside any checkout (第二十条)', response: { 200: reviewView } } },
    async (req) => service.reviewList(app.deps, userOf(req)),
  );
  app.get(
    '/api/devices/findings',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '督察发现 Supervision findings (unauthorised repairs, 第十九条)', response: { 200: z.object({ items: z.array(findingView) }) } } },
    async (req) => service.listFindings(app.deps, userOf(req)),
  );
  app.get(
    '/api/devices/:id',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '设备详情及全部记录 One device with its whole history', params: idParams, response: { 200: deviceDetail, ...errors } } },
    async (req) => service.getDevice(app.deps, userOf(req), req.params.id),
  );
  app.patch(
    '/api/devices/:id',
    { config: { permission: 'devices:manage' }, schema: { tags, summary: '修改设备信息 Change a device’s details', params: idParams, body: devicePatch, response: { 200: deviceView, ...errors } } },
    async (req) => service.updateDevice(app.deps, userOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/devices/:id/retire',
    {
      config: { permission: 'devices:manage' },
      schema: { tags, summary: '报废 Retire a device', params: idParams, body: z.strictObject({ reason: multilineText(500) }), response: { 200: deviceView, ...errors } },
    },
    async (req) => service.retireDevice(app.deps, userOf(req), req.params.id, req.body.reason),
  );
  app.get(
    '/api/devices/:id/usage',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '使用情况 Who had it when and what it recorded (第二十条)', params: idParams, response: { 200: usageView, ...errors } } },
    async (req) => service.deviceUsage(app.deps, userOf(req), req.params.id),
  );
  app.get(
    '/api/recordings/:id/device-notes',
    {
      config: { permission: 'recordings:read' },
      schema: { tags, summary: '设备时钟校正说明 Device clock notes and review flags of a recording', params: idParams, response: { 200: recordingDeviceNotes, ...errors } },
    },
    async (req) => service.recordingDeviceNotes(app.deps, userOf(req), req.params.id),
  );
  // ---- checkout and return ----
  app.post(
    '/api/device-checkouts',
    {
      config: { permission: 'devices:checkout' },
      schema: { tags, summary: '领用设备 Check a device out with its pre-use check (第七、十八条)', body: checkoutBody, response: { 201: checkoutDone, ...errors, 422: errorBody } },
    },
    async (req, reply) => reply.status(201).send(await checkouts.checkout(app.deps, userOf(req), req.body)),
  );
  app.post(
    '/api/device-returns',
    { config: { permission: 'devices:checkout' }, schema: { tags, summary: '归还设备 Return a device with its check (第十条 offload shown)', body: returnBody, response: { 200: returnDone, ...errors } } },
    async (req) => checkouts.returnDevice(app.deps, userOf(req), req.body),
  );
  app.get(
    '/api/device-checkouts/open',
    { config: { permission: 'devices:checkout' }, schema: { tags, summary: '在用设备 Devices out now', response: { 200: openCheckoutsView } } },
    async (req) => checkouts.listOpenCheckouts(app.deps, userOf(req)),
  );
  // ---- maintenance, faults, repairs ----
  app.post(
    '/api/devices/:id/maintenance',
    { config: { permission: 'devices:manage' }, schema: { tags, summary: '登记保养 Log a maintenance (第十八条)', params: idParams, body: maintenanceBody, response: { 201: deviceView, ...errors } } },
    async (req, reply) => reply.status(201).send(await care.addMaintenance(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.post(
    '/api/devices/:id/faults',
    { config: { permission: 'devices:fault' }, schema: { tags, summary: '报告故障 Report a fault: out of service at once (第十九条)', params: idParams, body: faultBody, response: { 201: faultView, ...errors } } },
    async (req, reply) => reply.status(201).send(await care.reportFault(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.get(
    '/api/device-faults',
    {
      config: { permission: 'devices:read' },
      schema: { tags, summary: '故障列表 Faults', querystring: z.object({ open: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }), response: { 200: z.object({ items: z.array(faultView) }) } },
    },
    async (req) => care.listFaults(app.deps, userOf(req), req.query.open),
  );
  app.post(
    '/api/devices/:id/repairs',
    { config: { permission: 'devices:manage' }, schema: { tags, summary: '送修 Open a repair ticket (第十九条)', params: idParams, body: repairBody, response: { 201: repairView, ...errors } } },
    async (req, reply) => reply.status(201).send(await care.openRepair(app.deps, userOf(req), req.params.id, req.body)),
  );
  app.get(
    '/api/device-repairs',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '维修单 Repair tickets', response: { 200: z.object({ items: z.array(repairView) }) } } },
    async (req) => care.listRepairs(app.deps, userOf(req)),
  );
  app.patch(
    '/api/device-repairs/:id',
    { config: { permission: 'devices:manage' }, schema: { tags, summary: '填写诊断与费用 Diagnosis and cost', params: idParams, body: repairPatch, response: { 200: repairView, ...errors } } },
    async (req) => care.updateRepair(app.deps, userOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/device-repairs/:id/approve',
    { config: { permission: 'devices:approve' }, schema: { tags, summary: '审批维修 Approve a repair ticket', params: idParams, response: { 200: repairView, ...errors } } },
    async (req) => care.approveRepair(app.deps, userOf(req), req.params.id),
  );
  app.post(
    '/api/device-repairs/:id/return-to-service',
    { config: { permission: 'devices:manage' }, schema: { tags, summary: '修复启用 Back in service', params: idParams, response: { 200: repairView, ...errors } } },
    async (req) => care.returnToService(app.deps, userOf(req), req.params.id),
  );
  // ---- configuration ----
  app.get(
    '/api/device-repairers',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '授权维修单位 Authorised repairers', response: { 200: z.object({ items: z.array(repairerView) }) } } },
    async () => care.listRepairers(app.deps),
  );
  app.post(
    '/api/device-repairers',
    { config: { permission: 'devices:configure' }, schema: { tags, summary: '新增授权维修单位 Add an authorised repairer', body: repairerBody, response: { 201: repairerView, ...errors } } },
    async (req, reply) => reply.status(201).send(await care.addRepairer(app.deps, userOf(req), req.body)),
  );
  app.patch(
    '/api/device-repairers/:id',
    { config: { permission: 'devices:configure' }, schema: { tags, summary: '修改授权维修单位 Change a repairer', params: idParams, body: repairerPatch, response: { 200: repairerView, ...errors } } },
    async (req) => care.updateRepairer(app.deps, userOf(req), req.params.id, req.body),
  );
  app.get(
    '/api/device-types',
    { config: { permission: 'devices:read' }, schema: { tags, summary: '保养周期 Maintenance interval per type', response: { 200: z.object({ items: z.array(typePolicyView) }) } } },
    async () => care.listTypePolicies(app.deps),
  );
  app.put(
    '/api/device-types/:type',
    {
      config: { permission: 'devices:configure' },
      schema: { tags, summary: '设置保养周期 Set a type’s maintenance interval (第十八条)', params: typeParams, body: typePolicyBody, response: { 200: typePolicyView, ...errors } },
    },
    async (req) => care.setTypePolicy(app.deps, userOf(req), req.params.type, req.body.maintenanceIntervalDays),
  );
}
