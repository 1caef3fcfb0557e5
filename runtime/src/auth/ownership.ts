/**
 * Lookups of resources that belong to a user. Every route that takes the id of a graph, run or
 * task loads it through one of these helpers. Another user's id gets the same 404 as an id that
 * matches nothing, so the reply never confirms that the resource exists.
 *
 * Admins get no exception here: on these routes they see their own resources, like any user.
 * A resource with a null owner (stored before any account existed and not yet claimed by the
 * first account) belongs to nobody, so these helpers never find it.
 */
import type { GraphRecord, GraphVersionRecord, RunRecord, TaskRecord } from '@gestorlead/storage';
import type { FastifyRequest } from 'fastify';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import type { TriggerTypeLookup } from '@gestorlead/sdk-plugin';
import type { NodeTypeRegistry } from '../executor/node-type.js';
import { requirePrincipal } from './principal.js';

/** Returns whether a resource with owner `ownerId` belongs to `userId`. */
export function isOwnedBy(ownerId: string | null, userId: string): boolean {
  return ownerId !== null && ownerId === userId;
}

/** Returns the 404 error of a graph that does not exist or belongs to another user. */
export function graphNotFound(id: string, pointer = '/params/id'): StudioError {
  return new StudioError('GRAPH_NOT_FOUND', `graph "${id}" does not exist`, {
    problems: [{ pointer, message: 'matches no graph' }],
  });
}

/** `pointer` names the request field that held the version, such as `/querystring/version`. */
export function versionNotFound(id: string, version: number, pointer: string): StudioError {
  return new StudioError('GRAPH_VERSION_NOT_FOUND', `graph "${id}" has no version ${version}`, {
    problems: [{ pointer, message: 'matches no version of this graph' }],
  });
}

/** Returns the 404 error of a run that does not exist or belongs to another user. */
export function runNotFound(id: string, pointer = '/params/id'): StudioError {
  return new StudioError('RUN_NOT_FOUND', `run "${id}" does not exist`, {
    problems: [{ pointer, message: 'matches no run' }],
  });
}

/** Returns the 404 error of a task that does not exist or belongs to another user. */
export function taskNotFound(id: string, pointer = '/params/id'): StudioError {
  return new StudioError('TASK_NOT_FOUND', `task "${id}" does not exist`, {
    problems: [{ pointer, message: 'matches no task' }],
  });
}

/** Returns the graph when it belongs to `userId`, otherwise null. */
export async function findOwnedGraph(ctx: StudioContext, userId: string, id: string): Promise<GraphRecord | null> {
  const graph = await ctx.storage.graphs.get(id);
  return graph !== null && isOwnedBy(graph.ownerId, userId) ? graph : null;
}

/** Returns the run when it belongs to `userId`, otherwise null. */
export async function findOwnedRun(ctx: StudioContext, userId: string, id: string): Promise<RunRecord | null> {
  const run = await ctx.storage.runs.get(id);
  return run !== null && isOwnedBy(run.ownerId, userId) ? run : null;
}

/** Returns the signed-in user's graph, or throws `GRAPH_NOT_FOUND` with a problem at `pointer`. */
export async function loadOwnedGraph(
  ctx: StudioContext,
  request: FastifyRequest,
  id: string,
  pointer = '/params/id',
): Promise<GraphRecord> {
  const graph = await findOwnedGraph(ctx, requirePrincipal(request).userId, id);
  if (graph === null) throw graphNotFound(id, pointer);
  return graph;
}

/**
 * Returns the signed-in user's graph with one version: `version`, or the latest when it is
 * undefined. Throws `GRAPH_NOT_FOUND`, or `GRAPH_VERSION_NOT_FOUND` with a problem at `versionPointer`.
 */
export async function loadOwnedVersion(
  ctx: StudioContext,
  request: FastifyRequest,
  id: string,
  version: number | undefined,
  versionPointer: string,
): Promise<{ graph: GraphRecord; record: GraphVersionRecord }> {
  const graph = await loadOwnedGraph(ctx, request, id);
  const requested = version ?? graph.latestVersion;
  const record = await ctx.storage.graphs.getVersion(id, requested);
  if (record === null) throw versionNotFound(id, requested, versionPointer);
  return { graph, record };
}

/** Returns the signed-in user's run, or throws `RUN_NOT_FOUND` with a problem at `pointer`. */
export async function loadOwnedRun(
  ctx: StudioContext,
  request: FastifyRequest,
  id: string,
  pointer = '/params/id',
): Promise<RunRecord> {
  const run = await findOwnedRun(ctx, requirePrincipal(request).userId, id);
  if (run === null) throw runNotFound(id, pointer);
  return run;
}

/**
 * Returns the signed-in user's task with its run, or throws `TASK_NOT_FOUND`. A task belongs to
 * the owner of its run.
 */
export async function loadOwnedTask(
  ctx: StudioContext,
  request: FastifyRequest,
  id: string,
): Promise<{ task: TaskRecord; run: RunRecord }> {
  const userId = requirePrincipal(request).userId;
  const task = await ctx.storage.tasks.get(id);
  const run = task === null ? null : await findOwnedRun(ctx, userId, task.runId);
  if (task === null || run === null) throw taskNotFound(id);
  return { task, run };
}

/**
 * Returns the node types the signed-in user may use: the built-in ones, those of shared plugins
 * and those of the user's own private plugins.
 */
export function nodeTypesOf(ctx: StudioContext, request: FastifyRequest): NodeTypeRegistry {
  return ctx.plugins.nodeTypesFor(requirePrincipal(request).userId);
}

/** Returns the plugin trigger types the request's user may name in `settings.trigger`. */
export function triggerTypesOf(ctx: StudioContext, request: FastifyRequest): TriggerTypeLookup {
  return ctx.plugins.triggers.visibleTo(requirePrincipal(request).userId);
}
