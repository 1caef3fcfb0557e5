import {
  exportGraph,
  importGraph,
  validateGraph,
  type GraphDocument,
  type GraphProblem,
} from '@gestorlead/sdk-plugin';
import type { GraphRecord, GraphVersionRecord } from '@gestorlead/storage';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { graphNotFound, loadOwnedGraph, loadOwnedVersion, nodeTypesOf, triggerTypesOf, versionNotFound } from '../auth/ownership.js';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { newId } from '../ids.js';
import { graphIdParams, versionNumber } from './schemas.js';

/** Builds the `GRAPH_INVALID` error that lists every problem of a graph document. */
export function invalidGraph(problems: GraphProblem[]): StudioError {
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

/** A version's publisher as the versions list shows it; null when none was recorded. */
type Publisher = { id: string; email: string | null } | null;

function describeVersion(record: GraphVersionRecord, graph: GraphRecord, publishers: ReadonlyMap<string, Publisher>) {
  return {
    version: record.version,
    state: record.version === graph.publishedVersion ? 'published' : 'draft',
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    publishedAt: record.publishedAt,
    publishedBy: record.publishedBy === null ? null : (publishers.get(record.publishedBy) ?? { id: record.publishedBy, email: null }),
    frozenAt: record.frozenAt,
  };
}

/** Reads the email of each publisher once; a deleted user keeps the id with a null email. */
async function loadPublishers(ctx: StudioContext, versions: GraphVersionRecord[]): Promise<Map<string, Publisher>> {
  const ids = new Set(versions.flatMap((record) => (record.publishedBy === null ? [] : [record.publishedBy])));
  const publishers = new Map<string, Publisher>();
  for (const id of ids) {
    const user = await ctx.storage.users.get(id);
    publishers.set(id, { id, email: user?.email ?? null });
  }
  return publishers;
}

/**
 * Graph CRUD, versions, publishing, import and export. Every graph belongs to the user who
 * created it, and another user's graph id gets the same 404 as an unknown one. Documents are
 * checked against the node types the user may use, so another user's private plugin types are
 * unknown.
 */
export async function graphRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const checkDocument = (request: FastifyRequest, input: unknown): GraphDocument => {
    const result = validateGraph(input, { nodeTypes: nodeTypesOf(ctx, request), triggerTypes: triggerTypesOf(ctx, request) });
    if (!result.ok) throw invalidGraph(result.problems);
    return result.document;
  };

  // The creator owns the graph, and its runs charge the owner's credits.
  const createGraph = async (document: GraphDocument, ownerId: string) => {
    const id = newId('graph');
    const created = await ctx.storage.graphs.create(id, { ...document, id, version: 1 }, { ownerId });
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
    const document = checkDocument(request, request.body);
    return reply.status(201).send(await createGraph(document, requirePrincipal(request).userId));
  });

  app.post('/v1/graphs/import', {
    schema: {
      tags: ['graphs'],
      summary: 'Create a graph from an exported document',
      body: { type: 'object', description: 'A document written by the export route' },
      response: { 201: GRAPH_CREATED_REPLY },
    },
  }, async (request, reply) => {
    const result = importGraph(request.body, { nodeTypes: nodeTypesOf(ctx, request), triggerTypes: triggerTypesOf(ctx, request) });
    if (!result.ok) throw invalidGraph(result.problems);
    return reply.status(201).send(await createGraph(result.document, requirePrincipal(request).userId));
  });

  app.get('/v1/graphs', {
    schema: {
      tags: ['graphs'],
      summary: 'List your graphs, newest change first',
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
    return { items: await ctx.storage.graphs.list({ ...query, ownerId: requirePrincipal(request).userId }) };
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
    const { graph, record } = await loadOwnedVersion(ctx, request, id, version, '/querystring/version');
    return { ...graph, version: record.version, document: record.document };
  });

  app.put('/v1/graphs/:id', {
    schema: { tags: ['graphs'], summary: 'Save a draft', params: graphIdParams, body: { type: 'object' } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    await loadOwnedGraph(ctx, request, id);
    const document = checkDocument(request, request.body);
    const saved = await ctx.storage.graphs.saveDraft(id, { ...document, id });
    if (!saved) throw graphNotFound(id);
    ctx.graphs.invalidate(id);
    return { id, version: saved.version };
  });

  app.delete('/v1/graphs/:id', {
    schema: { tags: ['graphs'], summary: 'Delete a graph and its versions', params: graphIdParams },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await loadOwnedGraph(ctx, request, id);
    if (!(await ctx.storage.graphs.delete(id))) throw graphNotFound(id);
    ctx.graphs.invalidate(id);
    await ctx.scheduling.schedules.sync(id);
    return reply.status(204).send();
  });

  app.get('/v1/graphs/:id/versions', {
    schema: { tags: ['graphs'], summary: 'List versions, newest first', params: graphIdParams },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const graph = await loadOwnedGraph(ctx, request, id);
    const versions = await ctx.storage.graphs.listVersions(id);
    const publishers = await loadPublishers(ctx, versions);
    return { items: versions.map((record) => describeVersion(record, graph, publishers)) };
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
    const { record } = await loadOwnedVersion(ctx, request, id, body.version, '/body/version');
    checkDocument(request, record.document);
    const published = await ctx.storage.graphs.publish(id, record.version, requirePrincipal(request).userId);
    if (!published) throw versionNotFound(id, record.version, '/body/version');
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
    const { graph, record } = await loadOwnedVersion(ctx, request, id, version, '/querystring/version');
    const fileName = `${graph.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'graph'}.json`;
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .send(exportGraph(record.document));
  });
}
