import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DepartmentTable } from '../../platform/db/schema.ts';
import type { Selectable } from 'kysely';
import { errorBody, idParams, userOf } from '../../platform/http/schemas.ts';
import { departmentBody, departmentPatch, departmentView } from './departments.schema.ts';
import * as service from './departments.service.ts';

const tags = ['departments'];
const view = (d: Selectable<DepartmentTable>): z.infer<typeof departmentView> => ({
  id: d.id,
  name: d.name,
  code: d.code,
  kind: d.kind,
  parentId: d.parent_id,
  headPersonId: d.head_person_id,
  createdAt: d.created_at.toISOString(),
  updatedAt: d.updated_at.toISOString(),
});

export async function departmentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/departments',
    {
      config: { permission: 'departments:read' },
      schema: { tags, summary: '部门列表 Departments (flat; build the tree from parentId)', response: { 200: z.object({ items: z.array(departmentView) }) } },
    },
    async () => ({ items: (await service.listDepartments(app.deps)).map(view) }),
  );
  app.post(
    '/api/departments',
    {
      config: { permission: 'departments:write' },
      schema: { tags, summary: '新建部门 Create a department', body: departmentBody, response: { 201: departmentView, 400: errorBody, 409: errorBody } },
    },
    async (req, reply) => reply.status(201).send(view(await service.createDepartment(app.deps, userOf(req), req.body))),
  );
  app.patch(
    '/api/departments/:id',
    {
      config: { permission: 'departments:write' },
      schema: { tags, summary: '修改部门 Update a department', params: idParams, body: departmentPatch, response: { 200: departmentView, 400: errorBody, 404: errorBody, 409: errorBody } },
    },
    async (req) => view(await service.updateDepartment(app.deps, userOf(req), req.params.id, req.body)),
  );
}
