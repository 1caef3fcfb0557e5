/**
 * The single-generation task API: `POST /v1/tasks` starts a task as a one-node run of the
 * signed-in user, and `GET /v1/task-types` lists the task types with the providers the user can
 * run. `GET /v1/tasks/:id` (in runs.ts) returns the task's status, credit cost and result.
 */
import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { listTaskTypes } from '../tasks/availability.js';
import { createTask, type NewTaskBody } from '../tasks/create-task.js';
import { TASK_TYPES } from '../tasks/task-types.js';

export async function taskRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.post('/v1/tasks', {
    schema: {
      tags: ['tasks'],
      summary: 'Start one generation (chat, image, video or speech) as a task; poll GET /v1/tasks/:id for its result',
      body: {
        type: 'object',
        required: ['task_type', 'provider', 'model', 'input'],
        additionalProperties: false,
        properties: {
          task_type: { type: 'string', enum: [...TASK_TYPES] },
          provider: { type: 'string', minLength: 1, maxLength: 100 },
          model: { type: 'string', minLength: 1, maxLength: 200 },
          input: { type: 'object' },
        },
      },
      response: {
        202: { type: 'object', properties: { task_id: { type: 'string' }, status: { type: 'string' } } },
      },
    },
  }, async (request, reply) => {
    const { taskId } = await createTask(ctx, requirePrincipal(request).userId, request.body as NewTaskBody);
    return reply.status(202).send({ task_id: taskId, status: 'PENDING' });
  });

  app.get('/v1/task-types', {
    schema: {
      tags: ['tasks'],
      summary: 'Task types with their input schemas and providers, and whether you can use each provider',
    },
  }, async (request) => ({ items: await listTaskTypes(ctx, requirePrincipal(request).userId) }));
}
