import {
  exportGraph,
  importGraph,
  validateGraph,
  type GraphDocument,
  type GraphProblem,
} from '@gestorlead/sdk-plugin';
import type { GraphRecord, GraphVersionRecord } from '@gestorlead/storage';
import type { FastifyInstance } from 'fastify';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';
import { graphIdParams, versionNumber } from './schemas.js';

function invalidGraph(problems: GraphProblem[]): StudioError {
  const first = problems[0];
  return new StudioError(
    'GRAPH_INVALID',
    `graph document has ${problems.length} problem(s); first: ${first.pointer || '/'} ${first.message}`,
    { problems: problems.map(({ pointer, message, code }) => ({ pointer, message, code })) },
  );
}

/** Reply of the routes that create a graph. */
const GRAPH_CREATED_REPLY = {
  description: 'The graph and its first version',
  type: 'object',
  properties: { id: { type: 'string' }, version: { type: 'integer' } },
} as const;

export function graphNotFound(id: string): StudioError {
  return new StudioError('GRAPH_NOT_FOUND', `graph "${id}" does not exist`, {
    problems: [{ pointer: '/params/id', message: 'matches no graph' }],
  });
}

function describeVersion(record: GraphVersionRecord, graph: GraphRecord) {
  return {
    version: record.version,
    state: record.version === graph.publishedVersion ? 'published' : 'draft',
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    publishedAt: record.publishedAt,
    frozenAt: record.frozenAt,
  };
}

/** Graph CRUD, versions, publishing, import and export. */
export async function graphRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const checkDocument = (input: unknown): GraphDocument => {
    const result = validateGraph(input, { nodeTypes: ctx.registry });
    if (!result.ok) throw invalidGraph(result.problems);
    return result.document;
  };

  const createGraph = async (document: GraphDocument) => {
    const id = newId('graph');
    const created = await ctx.storage.graphs.create(id, { ...document, id, version: 1 });
    return { id, version: created.version.version };
  };

  app.post('/v1/graphs', {
    schema: {
      tags: ['graphs'],
      summary: 'Create a graph',
      body: { type: 'object', description: 'A graph document' },
      response: { 201: GRAPH_CREATED_REPLY },
    },
  }, async (request, reply) => {
    const document = checkDocument(request.body);
    return reply.status(201).send(await createGraph(document));
  });

  app.post('/v1/graphs/import', {
    schema: {
      tags: ['graphs'],
      summary: 'Create a graph from an exported document',
      body: { type: 'object', description: 'A document written by the export route' },
      response: { 201: GRAPH_CREATED_REPLY },
    },
  }, async (request, reply) => {
    const result = importGraph(request.body, { nodeTypes: ctx.registry });
    if (!result.ok) throw invalidGraph(result.problems);
    return reply.status(201).send(await createGraph(result.document));
  });

  app.get('/v1/graphs', {
    schema: {
      tags: ['graphs'],
      summary: 'List graphs, newest change first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          search: { type: 'string', maxLength: 200 },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
        },
      },
    },
  }, async (request) => {
    const query = request.query as { search?: string; limit: number; offset: number };
    return { items: await ctx.storage.graphs.list(query) };
  });

  app.get('/v1/graphs/:id', {
    schema: {
      tags: ['graphs'],
      summary: 'Get a graph with its latest document',
      params: graphIdParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { version: versionNumber },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { version } = request.query as { version?: number };
    const graph = await ctx.storage.graphs.get(id);
    if (!graph) throw graphNotFound(id);
    const record = await ctx.storage.graphs.getVersion(id, version ?? graph.latestVersion);
    if (!record) throw versionNotFound(id, version ?? graph.latestVersion, '/querystring/version');
    return { ...graph, version: record.version, document: record.document };
  });

  app.put('/v1/graphs/:id', {
    schema: { tags: ['graphs'], summary: 'Save a draft', params: graphIdParams, body: { type: 'object' } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const document = checkDocument(request.body);
    const graph = await ctx.storage.graphs.get(id);
    if (!graph) throw graphNotFound(id);
    const saved = await ctx.storage.graphs.saveDraft(id, { ...document, id });
    if (!saved) throw graphNotFound(id);
    ctx.graphs.invalidate(id);
    return { id, version: saved.version };
  });

  app.delete('/v1/graphs/:id', {
    schema: { tags: ['graphs'], summary: 'Delete a graph and its versions', params: graphIdParams },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!(await ctx.storage.graphs.delete(id))) throw graphNotFound(id);
    ctx.graphs.invalidate(id);
    await ctx.scheduling.schedules.sync(id);
    return reply.status(204).send();
  });

  app.get('/v1/graphs/:id/versions', {
    schema: { tags: ['graphs'], summary: 'List versions, newest first', params: graphIdParams },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const graph = await ctx.storage.graphs.get(id);
    if (!graph) throw graphNotFound(id);
    const versions = await ctx.storage.graphs.listVersions(id);
    return { items: versions.map((record) => describeVersion(record, graph)) };
  });

  app.post('/v1/graphs/:id/publish', {
    schema: {
      tags: ['graphs'],
      summary: 'Publish a version (the latest by default); triggers run the published version',
      params: graphIdParams,
      body: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: { version: versionNumber },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as { version?: number };
    const graph = await ctx.storage.graphs.get(id);
    if (!graph) throw graphNotFound(id);
    const version = body.version ?? graph.latestVersion;
    const record = await ctx.storage.graphs.getVersion(id, version);
    if (!record) throw versionNotFound(id, version, '/body/version');
    const result = validateGraph(record.document, { nodeTypes: ctx.registry });
    if (!result.ok) throw invalidGraph(result.problems);
    const published = await ctx.storage.graphs.publish(id, version);
    if (!published) throw versionNotFound(id, version, '/body/version');
    ctx.graphs.invalidate(id);
    await ctx.scheduling.schedules.sync(id);
    return { id, publishedVersion: published.publishedVersion };
  });

  app.get('/v1/graphs/:id/export', {
    schema: {
      tags: ['graphs'],
      summary: 'Export a version as a graph document',
      params: graphIdParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { version: versionNumber },
      },
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const { version } = request.query as { version?: number };
    const graph = await ctx.storage.graphs.get(id);
    if (!graph) throw graphNotFound(id);
    const record = await ctx.storage.graphs.getVersion(id, version ?? graph.latestVersion);
    if (!record) throw versionNotFound(id, version ?? graph.latestVersion, '/querystring/version');
    const fileName = `${graph.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'graph'}.json`;
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .send(exportGraph(record.document));
  });
}

/** `pointer` names the request field that held the version, such as `/querystring/version`. */
export function versionNotFound(id: string, version: number, pointer: string): StudioError {
  return new StudioError('GRAPH_VERSION_NOT_FOUND', `graph "${id}" has no version ${version}`, {
    problems: [{ pointer, message: 'matches no version of this graph' }],
  });
}
