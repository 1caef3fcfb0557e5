import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ArtifactRecord, BlobStore, Storage } from '@gestorlead/storage';
import { startS3rver, type TestS3Server } from '@gestorlead/storage/test-s3rver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactService } from '../src/artifacts/artifact-service.js';
import { contentDisposition, parseRange } from '../src/artifacts/http-headers.js';
import { loadArtifactSettings } from '../src/artifacts/settings.js';
import type { NodeType } from '../src/executor/node-type.js';
import type { InMemoryNodeTypeRegistry } from '../src/executor/registry.js';
import { createLogger } from '../src/logger.js';
import { createGraph, expectError, request, startRun } from './support/http.js';
import { buildGraph, buildNode, registerTestUser, startTestStudio, waitForRun, type TestStudio } from './support/studio.js';

const PROMPT = 'Um farol ao pôr do sol 🌅, estilo aquarela — مرحبا';
const FILE_NAME = 'farol 🌅.txt';
const DAY_MS = 86_400_000;

/** Runs a one-node graph as the studio's first account and returns the run id. */
async function finishedRun(test: TestStudio): Promise<string> {
  const graphId = await createGraph(test, buildGraph([buildNode('a')], []));
  const runId = await startRun(test, graphId, null);
  await waitForRun(test, runId);
  return runId;
}

/** Stores an artifact for `runId` as a host-side node would. */
function storeArtifact(test: TestStudio, runId: string, data: Buffer | Readable, overrides: { name?: string; contentType?: string } = {}) {
  return test.studio.ctx.artifacts.store({
    runId,
    taskId: 'task-1',
    nodeId: 'a',
    plugin: 'openai',
    model: 'gpt-image-1',
    prompt: PROMPT,
    name: overrides.name ?? FILE_NAME,
    contentType: overrides.contentType ?? 'text/plain; charset=utf-8',
    data,
  });
}

/** Returns a blob store that passes every call to `blobs`, so a test can replace one method. */
function delegateTo(blobs: BlobStore): BlobStore {
  return {
    kind: blobs.kind,
    put: (...args) => blobs.put(...args),
    stat: (key) => blobs.stat(key),
    open: (key, range) => blobs.open(key, range),
    get: (key) => blobs.get(key),
    delete: (key) => blobs.delete(key),
    exists: (key) => blobs.exists(key),
    presignGet: (key, options) => blobs.presignGet(key, options),
  };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('artifact routes', () => {
  let test: TestStudio;
  let runId: string;
  let artifact: ArtifactRecord;
  const content = Buffer.from('0123456789 olá 🌍');

  beforeAll(async () => {
    test = await startTestStudio();
    runId = await finishedRun(test);
    artifact = await storeArtifact(test, runId, content);
  });

  afterAll(async () => {
    await test.close();
  });

  it('download streams content with headers', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}` });

    expect(reply.status).toBe(200);
    expect(reply.raw.rawPayload.equals(content)).toBe(true);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.headers['content-length']).toBe(String(content.length));
    expect(reply.headers['content-disposition']).toBe(`inline; filename="farol _.txt"; filename*=UTF-8''farol%20%F0%9F%8C%85.txt`);
    expect(reply.headers['accept-ranges']).toBe('bytes');
    expect(reply.headers.etag).toBe(`"${sha256(content)}"`);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['content-security-policy']).toContain('sandbox');
  });

  it('download=true sends an attachment', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}?download=true` });

    expect(reply.headers['content-disposition']).toMatch(/^attachment; filename="farol _.txt"/);
  });

  it('range request gets 206', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}`, headers: { range: 'bytes=2-5' } });

    expect(reply.status).toBe(206);
    expect(reply.raw.rawPayload.toString()).toBe('2345');
    expect(reply.headers['content-range']).toBe(`bytes 2-5/${content.length}`);
    expect(reply.headers['content-length']).toBe('4');
  });

  it('suffix range gets the last bytes', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}`, headers: { range: 'bytes=-4' } });

    expect(reply.status).toBe(206);
    expect(reply.raw.rawPayload.equals(content.subarray(content.length - 4))).toBe(true);
  });

  it('range past the end gets 416', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}`, headers: { range: `bytes=${content.length}-` } });

    expectError(reply, { status: 416, code: 'ARTIFACT_RANGE_NOT_SATISFIABLE', pointer: '/headers/range' });
    expect(reply.headers['content-range']).toBe(`bytes */${content.length}`);
  });

  it('several ranges get the whole content', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}`, headers: { range: 'bytes=0-1,4-5' } });

    expect(reply.status).toBe(200);
    expect(reply.raw.rawPayload.equals(content)).toBe(true);
  });

  it('meta returns the record', async () => {
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}/meta` });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      id: artifact.id,
      ownerId: test.user!.id,
      runId,
      taskId: 'task-1',
      nodeId: 'a',
      plugin: 'openai',
      model: 'gpt-image-1',
      prompt: PROMPT,
      name: FILE_NAME,
      contentType: 'text/plain; charset=utf-8',
      size: content.length,
      sha256: sha256(content),
      createdAt: artifact.createdAt,
      expiresAt: new Date(Date.parse(artifact.createdAt) + 30 * DAY_MS).toISOString(),
      url: `/v1/artifacts/${artifact.id}`,
    });
  });

  it('run artifacts are listed oldest first', async () => {
    const otherRun = await finishedRun(test);
    const second = await storeArtifact(test, runId, Buffer.from('second'), { name: 'b.txt' });
    await storeArtifact(test, otherRun, Buffer.from('elsewhere'));

    const reply = await request(test, { method: 'GET', url: `/v1/runs/${runId}/artifacts` });
    const page = await request(test, { method: 'GET', url: `/v1/runs/${runId}/artifacts?limit=1&offset=1` });

    expect(reply.status).toBe(200);
    expect(reply.body.items.map((item: { id: string }) => item.id)).toEqual([artifact.id, second.id]);
    expect(reply.body.items[0]).not.toHaveProperty('storageKey');
    expect(page.body.items.map((item: { id: string }) => item.id)).toEqual([second.id]);
  });

  it("another user's artifact is not found", async () => {
    const bob = await registerTestUser(test);

    const download = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}`, token: bob.accessToken });
    const meta = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}/meta`, token: bob.accessToken });
    const list = await request(test, { method: 'GET', url: `/v1/runs/${runId}/artifacts`, token: bob.accessToken });

    expectError(download, { status: 404, code: 'ARTIFACT_NOT_FOUND', pointer: '/params/id' });
    expectError(meta, { status: 404, code: 'ARTIFACT_NOT_FOUND', pointer: '/params/id' });
    expectError(list, { status: 404, code: 'RUN_NOT_FOUND' });
    expect(download.raw.body).not.toContain(PROMPT);
  });

  it('unknown artifact is not found', async () => {
    const reply = await request(test, { method: 'GET', url: '/v1/artifacts/art_missing' });

    expectError(reply, { status: 404, code: 'ARTIFACT_NOT_FOUND', message: 'artifact "art_missing" does not exist' });
  });

  it('missing content is a server error', async () => {
    const lost = await storeArtifact(test, runId, Buffer.from('lost'));
    await test.studio.ctx.artifacts.blobs.delete(lost.storageKey);

    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${lost.id}` });

    expect(reply.status).toBe(500);
    expect(reply.body.code).toBe('ARTIFACT_CONTENT_MISSING');
  });

  it('record failure deletes the object', async () => {
    const stored: string[] = [];
    const blobs = test.studio.ctx.artifacts.blobs;
    const recording = delegateTo(blobs);
    recording.put = async (...args) => {
      const result = await blobs.put(...args);
      stored.push(result.key);
      return result;
    };
    const storage = Object.create(test.storage) as Storage;
    storage.artifacts = Object.create(test.storage.artifacts) as Storage['artifacts'];
    storage.artifacts.create = async () => {
      throw new Error('disk full');
    };
    const service = new ArtifactService({ storage, blobs: recording, settings: loadArtifactSettings({}), log: createLogger('silent') });

    const outcome = service.store({ runId, taskId: null, nodeId: null, plugin: null, name: 'a', contentType: 'text/plain', data: Buffer.from('a') });

    await expect(outcome).rejects.toThrow('disk full');
    expect(stored).toHaveLength(1);
    expect(await blobs.exists(stored[0])).toBe(false);
  });
});

describe('host-side node files', () => {
  let test: TestStudio;

  beforeAll(async () => {
    test = await startTestStudio();
  });

  afterAll(async () => {
    await test.close();
  });

  it('ctx.files.put records the task', async () => {
    const drawNode: NodeType = {
      type: 'host/draw@1',
      displayName: 'Draw',
      description: 'Stores a picture as an artifact.',
      configSchema: { type: 'object', properties: {} },
      inputs: [],
      outputs: [{ name: 'out', displayName: 'Output' }],
      execute: async (ctx) => {
        const record = await ctx.files!.put({ name: 'sun.svg', contentType: 'image/svg+xml', data: Buffer.from('<svg/>'), model: 'painter-2', prompt: PROMPT });
        return { outputs: { out: record.id } };
      },
    };
    (test.studio.ctx.registry as InMemoryNodeTypeRegistry).add(drawNode);
    const graphId = await createGraph(test, buildGraph([buildNode('draw', { type: 'host/draw@1' })], []));

    const { run, tasks } = await waitForRun(test, await startRun(test, graphId, null));
    const artifactId = (run.output as { draw: string }).draw;
    const meta = await request(test, { method: 'GET', url: `/v1/artifacts/${artifactId}/meta` });

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(meta.body).toMatchObject({
      ownerId: test.user!.id,
      runId: run.id,
      taskId: tasks.get('draw')!.id,
      nodeId: 'draw',
      plugin: 'host',
      model: 'painter-2',
      prompt: PROMPT,
      name: 'sun.svg',
      size: 6,
    });
  });
});

describe('artifact retention', () => {
  let test: TestStudio;
  let runId: string;

  beforeAll(async () => {
    test = await startTestStudio({ ARTIFACT_RETENTION_DAYS: '2' });
    runId = await finishedRun(test);
  });

  afterAll(async () => {
    await test.close();
  });

  /** Creates a service over the studio's store and blobs whose clock reads `clock.now`. */
  function serviceWithClock(clock: { now: number }, blobs: BlobStore = test.studio.ctx.artifacts.blobs): ArtifactService {
    return new ArtifactService({
      storage: test.storage,
      blobs,
      settings: test.config.artifacts,
      log: createLogger('silent'),
      now: () => clock.now,
    });
  }

  it('sweep deletes object then record after retention', async () => {
    const clock = { now: Date.parse('2026-01-10T00:00:00.000Z') };
    const service = serviceWithClock(clock);
    const artifact = await service.store({ runId, taskId: null, nodeId: null, plugin: null, name: 'old.txt', contentType: 'text/plain', data: Buffer.from('old') });

    clock.now += 2 * DAY_MS;
    const early = await service.sweepExpired();
    const keptBlob = await service.blobs.exists(artifact.storageKey);
    clock.now += 1;
    const late = await service.sweepExpired();

    expect(artifact.expiresAt).toBe('2026-01-12T00:00:00.000Z');
    expect(early).toEqual({ deleted: 0, failed: 0 });
    expect(keptBlob).toBe(true);
    expect(late).toEqual({ deleted: 1, failed: 0 });
    expect(await test.storage.artifacts.get(artifact.id)).toBeNull();
    expect(await service.blobs.exists(artifact.storageKey)).toBe(false);
    const reply = await request(test, { method: 'GET', url: `/v1/artifacts/${artifact.id}` });
    expectError(reply, { status: 404, code: 'ARTIFACT_NOT_FOUND' });
  });

  it('failed object deletion keeps the record', async () => {
    const clock = { now: Date.parse('2026-02-01T00:00:00.000Z') };
    const real = test.studio.ctx.artifacts.blobs;
    const failing = delegateTo(real);
    failing.delete = async () => {
      throw new Error('bucket unreachable');
    };
    const artifact = await serviceWithClock(clock).store({ runId, taskId: null, nodeId: null, plugin: null, name: 'x', contentType: 'text/plain', data: Buffer.from('x') });
    clock.now += 3 * DAY_MS;

    const failed = await serviceWithClock(clock, failing).sweepExpired();
    const recordAfterFailure = await test.storage.artifacts.get(artifact.id);
    const retried = await serviceWithClock(clock).sweepExpired();

    expect(failed).toEqual({ deleted: 0, failed: 1 });
    expect(recordAfterFailure?.id).toBe(artifact.id);
    expect(retried).toEqual({ deleted: 1, failed: 0 });
    expect(await real.exists(artifact.storageKey)).toBe(false);
  });

  it('periodic sweep runs on its interval', async () => {
    const studio = await startTestStudio({ ARTIFACT_RETENTION_DAYS: '1', ARTIFACT_SWEEP_INTERVAL_MS: '1000' });
    try {
      const run = await finishedRun(studio);
      const artifact = await storeArtifact(studio, run, Buffer.from('expires'));
      await studio.storage.artifacts.delete(artifact.id);
      await studio.storage.artifacts.create({ ...artifact, expiresAt: new Date(Date.now() - 1000).toISOString() });

      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && (await studio.storage.artifacts.get(artifact.id)) !== null) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      expect(await studio.storage.artifacts.get(artifact.id)).toBeNull();
      expect(await studio.studio.ctx.artifacts.blobs.exists(artifact.storageKey)).toBe(false);
    } finally {
      await studio.close();
    }
  });

  it('retention of zero keeps artifacts', async () => {
    const service = new ArtifactService({
      storage: test.storage,
      blobs: test.studio.ctx.artifacts.blobs,
      settings: loadArtifactSettings({ ARTIFACT_RETENTION_DAYS: '0' }),
      log: createLogger('silent'),
    });

    const artifact = await service.store({ runId, taskId: null, nodeId: null, plugin: null, name: 'k', contentType: 'text/plain', data: Buffer.from('k') });

    expect(artifact.expiresAt).toBeNull();
  });
});

describe('artifacts on S3', () => {
  let server: TestS3Server;
  let bucketCounter = 0;
  const studios: TestStudio[] = [];

  beforeAll(async () => {
    server = await startS3rver();
  });

  afterEach(async () => {
    for (const studio of studios.splice(0)) await studio.close();
  });

  afterAll(async () => {
    await server.close();
  });

  async function startS3Studio(env: Record<string, string> = {}): Promise<TestStudio> {
    bucketCounter += 1;
    const studio = await startTestStudio({
      S3_ENDPOINT: `http://127.0.0.1:${server.port}`,
      S3_ACCESS_KEY: 'S3RVER',
      S3_SECRET_KEY: 'S3RVER',
      S3_BUCKET: `artifacts-${bucketCounter}`,
      S3_PART_SIZE_BYTES: String(5 * 1024 * 1024),
      ...env,
    });
    studios.push(studio);
    return studio;
  }

  it('streams an upload of unknown length', async () => {
    const studio = await startS3Studio();
    const run = await finishedRun(studio);
    // Two and a half parts of 5 MiB, from a stream that states no length.
    const data = Buffer.alloc(Math.floor(12.5 * 1024 * 1024));
    for (let index = 0; index < data.length; index += 1) data[index] = (index * 31 + (index >>> 12)) & 0xff;
    const chunks = Array.from({ length: Math.ceil(data.length / 65_536) }, (_, index) => data.subarray(index * 65_536, (index + 1) * 65_536));

    const artifact = await storeArtifact(studio, run, Readable.from(chunks), { name: 'video.mp4', contentType: 'video/mp4' });
    const reply = await request(studio, { method: 'GET', url: `/v1/artifacts/${artifact.id}` });
    const range = await request(studio, { method: 'GET', url: `/v1/artifacts/${artifact.id}`, headers: { range: 'bytes=5242870-5242889' } });

    expect(studio.studio.ctx.artifacts.blobs.kind).toBe('s3');
    expect(artifact.size).toBe(data.length);
    expect(artifact.sha256).toBe(sha256(data));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('video/mp4');
    expect(reply.headers['content-length']).toBe(String(data.length));
    expect(sha256(reply.raw.rawPayload)).toBe(sha256(data));
    expect(range.status).toBe(206);
    expect(range.raw.rawPayload.equals(data.subarray(5_242_870, 5_242_890))).toBe(true);
  });

  it('redirects to a presigned URL', async () => {
    const studio = await startS3Studio({ ARTIFACT_PRESIGNED_REDIRECT: 'true', ARTIFACT_PRESIGN_EXPIRY_SECONDS: '120' });
    const run = await finishedRun(studio);
    const content = Buffer.from('presigned 🌅');
    const artifact = await storeArtifact(studio, run, content);

    const reply = await request(studio, { method: 'GET', url: `/v1/artifacts/${artifact.id}?download=true` });
    const location = new URL(String(reply.headers.location));
    const fetched = await fetch(location);

    expect(reply.status).toBe(302);
    expect(location.host).toBe(`127.0.0.1:${server.port}`);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-disposition')).toBe(contentDisposition('attachment', FILE_NAME));
    expect(Buffer.from(await fetched.arrayBuffer()).equals(content)).toBe(true);
  });

  it('file store ignores the redirect setting', async () => {
    const studio = await startTestStudio({ ARTIFACT_PRESIGNED_REDIRECT: 'true' });
    studios.push(studio);
    const run = await finishedRun(studio);
    const artifact = await storeArtifact(studio, run, Buffer.from('local'));

    const reply = await request(studio, { method: 'GET', url: `/v1/artifacts/${artifact.id}` });

    expect(reply.status).toBe(200);
    expect(reply.raw.rawPayload.toString()).toBe('local');
  });
});

describe('artifact settings', () => {
  it('reads an endpoint URL', () => {
    const settings = loadArtifactSettings({
      S3_ENDPOINT: 'https://minio.internal:9443',
      S3_ACCESS_KEY: 'key',
      S3_SECRET_KEY: 'secret',
      S3_BUCKET: 'studio-artifacts',
    });

    expect(settings.s3).toMatchObject({ endPoint: 'minio.internal', port: 9443, useSSL: true, region: 'us-east-1', pathStyle: true });
  });

  it('reads a bare host with port', () => {
    const settings = loadArtifactSettings({
      S3_ENDPOINT: 'minio',
      S3_PORT: '9000',
      S3_USE_SSL: 'false',
      S3_ACCESS_KEY: 'key',
      S3_SECRET_KEY: 'secret',
      S3_BUCKET: 'studio-artifacts',
      S3_REGION: 'sa-east-1',
    });

    expect(settings.s3).toMatchObject({ endPoint: 'minio', port: 9000, useSSL: false, region: 'sa-east-1' });
  });

  it('names the missing variable', () => {
    expect(() => loadArtifactSettings({ S3_ENDPOINT: 'minio', S3_BUCKET: 'studio-artifacts', S3_ACCESS_KEY: 'key' })).toThrow(
      'S3_SECRET_KEY must be set when S3_ENDPOINT is set',
    );
  });

  it('rejects a short bucket name', () => {
    expect(() => loadArtifactSettings({ S3_ENDPOINT: 'minio', S3_BUCKET: 'ab', S3_ACCESS_KEY: 'k', S3_SECRET_KEY: 's' })).toThrow(/S3_BUCKET/);
  });

  it('rejects a part size below 5 MiB', () => {
    const env = { S3_ENDPOINT: 'minio', S3_BUCKET: 'abc', S3_ACCESS_KEY: 'k', S3_SECRET_KEY: 's', S3_PART_SIZE_BYTES: '1000' };

    expect(() => loadArtifactSettings(env)).toThrow(/S3_PART_SIZE_BYTES must be an integer from 5242880/);
  });

  it('defaults to the file system', () => {
    expect(loadArtifactSettings({})).toMatchObject({ s3: null, retentionDays: 30, presignedRedirect: false });
  });
});

describe('range header', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-0', { kind: 'partial', range: { start: 0, end: 0 } }],
    ['bytes=5-', { kind: 'partial', range: { start: 5, end: 9 } }],
    ['bytes=5-100', { kind: 'partial', range: { start: 5, end: 9 } }],
    ['bytes=-3', { kind: 'partial', range: { start: 7, end: 9 } }],
    ['bytes=-30', { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=10-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=6-5', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=0-1,3-4', { kind: 'full' }],
  ])('%s of 10 bytes', (header, expected) => {
    expect(parseRange(header, 10)).toEqual(expected);
  });
});
