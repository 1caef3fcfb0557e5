/**
 * Artifact downloads, artifact metadata and the artifacts of a run. An artifact belongs to the
 * owner of the run that made it; another user's id gets the same 404 as an unknown one.
 */
import type { ArtifactRecord } from '@gestorlead/storage';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contentDisposition, parseRange } from '../artifacts/http-headers.js';
import { isOwnedBy, loadOwnedRun } from '../auth/ownership.js';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { idParams } from './schemas.js';

/**
 * Headers of every download. Artifacts hold content that plugins and users chose, so the
 * browser must not sniff a type or run scripts from it on the API's origin.
 */
const DOWNLOAD_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
} as const;

/** Returns the artifact as the API shows it: the record without the blob store key. */
function toArtifactView(record: ArtifactRecord): Record<string, unknown> {
  const { storageKey: _storageKey, ...view } = record;
  return { ...view, url: `/v1/artifacts/${record.id}` };
}

function artifactNotFound(id: string): StudioError {
  return new StudioError('ARTIFACT_NOT_FOUND', `artifact "${id}" does not exist`, {
    problems: [{ pointer: '/params/id', message: 'matches no artifact' }],
  });
}

async function loadOwnedArtifact(ctx: StudioContext, request: FastifyRequest, id: string): Promise<ArtifactRecord> {
  const record = await ctx.artifacts.get(id);
  if (record === null || !isOwnedBy(record.ownerId, requirePrincipal(request).userId)) throw artifactNotFound(id);
  return record;
}

function contentMissing(record: ArtifactRecord): StudioError {
  return new StudioError('ARTIFACT_CONTENT_MISSING', `the content of artifact "${record.id}" is missing from the blob store`, {
    details: { artifactId: record.id },
  });
}

/** Sends the content, or the byte range the request names. */
async function sendContent(ctx: StudioContext, request: FastifyRequest, reply: FastifyReply, record: ArtifactRecord, disposition: string) {
  const requested = parseRange(request.headers.range, record.size);
  reply.headers({
    ...DOWNLOAD_SECURITY_HEADERS,
    'content-type': record.contentType,
    'content-disposition': disposition,
    'accept-ranges': 'bytes',
    etag: `"${record.sha256}"`,
    'cache-control': 'private, no-cache',
  });
  if (requested.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${record.size}`);
    throw new StudioError('ARTIFACT_RANGE_NOT_SATISFIABLE', `range "${request.headers.range}" lies outside artifact "${record.id}" of ${record.size} bytes`, {
      problems: [{ pointer: '/headers/range', message: `must start below ${record.size}` }],
    });
  }
  const range = requested.kind === 'partial' ? requested.range : undefined;
  const stream = await ctx.artifacts.blobs.open(record.storageKey, range);
  if (stream === null) {
    request.log.error({ artifactId: record.id, storageKey: record.storageKey }, 'artifact content missing');
    throw contentMissing(record);
  }
  if (range === undefined) {
    reply.header('content-length', String(record.size));
    return reply.status(200).send(stream);
  }
  reply.header('content-length', String(range.end - range.start + 1));
  reply.header('content-range', `bytes ${range.start}-${range.end}/${record.size}`);
  return reply.status(206).send(stream);
}

export async function artifactRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.get('/v1/artifacts/:id', {
    schema: {
      tags: ['artifacts'],
      summary: 'Download an artifact (one byte range with a Range header)',
      params: idParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { download: { type: 'boolean', description: 'true sends it as an attachment' } },
      },
    },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const { download } = request.query as { download?: boolean };
    const record = await loadOwnedArtifact(ctx, request, id);
    const disposition = contentDisposition(download === true ? 'attachment' : 'inline', record.name);

    const { settings, blobs } = ctx.artifacts;
    if (settings.presignedRedirect) {
      const url = await blobs.presignGet(record.storageKey, {
        expiresInSeconds: settings.presignExpirySeconds,
        contentType: record.contentType,
        contentDisposition: disposition,
      });
      if (url !== null) return reply.header('cache-control', 'no-store').redirect(url, 302);
    }
    return sendContent(ctx, request, reply, record, disposition);
  });

  app.get('/v1/artifacts/:id/meta', {
    schema: { tags: ['artifacts'], summary: 'Get the record of an artifact', params: idParams },
  }, async (request) => {
    const { id } = request.params as { id: string };
    return toArtifactView(await loadOwnedArtifact(ctx, request, id));
  });

  app.get('/v1/runs/:id/artifacts', {
    schema: {
      tags: ['artifacts'],
      summary: 'List the artifacts of a run, oldest first',
      params: idParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
        },
      },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const { limit, offset } = request.query as { limit: number; offset: number };
    await loadOwnedRun(ctx, request, id);
    const records = await ctx.storage.artifacts.listByRun(id, { limit, offset });
    return { items: records.map(toArtifactView), limit, offset };
  });
}
