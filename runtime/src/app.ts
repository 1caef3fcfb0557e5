import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { BlobStore, Storage } from '@gestorlead/storage';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AI_CREDENTIAL_SOURCE, createAiNodeTypes } from './ai/index.js';
import { ArtifactService } from './artifacts/artifact-service.js';
import { createBlobStore } from './artifacts/blob-store.js';
import { installAccounts } from './auth/install.js';
import { LiveConnections } from './auth/live-connections.js';
import type { RateLimitStoreClass } from './auth/rate-limits.js';
import { openSharedRateLimits } from './auth/shared-rate-limits.js';
import { resolveSecrets } from './auth/secrets.js';
import { builderAppRoutes } from './builder-app.js';
import type { RuntimeConfig } from './config.js';
import type { StudioContext } from './context.js';
import { CreditService } from './credits/credit-service.js';
import { installErrorHandlers, MAX_PARAM_LENGTH, replyWithError } from './error-handler.js';
import { EventBus } from './events/event-bus.js';
import { Executor } from './executor/executor.js';
import type { NodeType } from './executor/node-type.js';
import { InMemoryNodeTypeRegistry } from './executor/registry.js';
import { GraphCache } from './graph-cache.js';
import { newId } from './ids.js';
import { parseJsonBody } from './json-body.js';
import { describeErrorReplies, describeSecurity, OPENAPI_SECURITY } from './openapi.js';
import {
  rejectDeepBodies,
  rejectEncodedBodies,
  rejectMistypedBodyFields,
  rejectNonFiniteNumbers,
  replyToClientError,
} from './request-guards.js';
import { createMetrics } from './metrics.js';
import { BUILT_IN_NODE_TYPES } from './nodes/index.js';
import type { CredentialResolver } from './plugins/credentials.js';
import { HttpGateway, type HostResolver } from './plugins/http-gateway.js';
import { PluginHost, type EditableNodeTypeRegistry } from './plugins/plugin-host.js';
import { createLazySandbox, createSandboxPool } from './plugins/sandbox-pool.js';
import { artifactRoutes } from './routes/artifacts.js';
import { credentialOAuth2Routes } from './routes/credentials-oauth2.js';
import { credentialRoutes } from './routes/credentials.js';
import { creditRoutes } from './routes/credits.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { graphRoutes } from './routes/graphs.js';
import { healthRoutes } from './routes/health.js';
import { hookRoutes } from './routes/hooks.js';
import { pluginRoutes } from './routes/plugins.js';
import { runRoutes } from './routes/runs.js';
import { scheduleRoutes } from './routes/schedule.js';
import { statsRoutes } from './routes/stats.js';
import { templateRoutes } from './routes/templates.js';
import { billingRoutes } from './routes/billing.js';
import { taskRoutes } from './routes/tasks.js';
import { wsRoutes } from './routes/ws.js';
import type { Sandbox } from './sandbox/types.js';
import { CredentialVault } from './vault/index.js';
import { createScheduling, type StudioScheduling } from './scheduling/scheduling.js';
import { usesAgendaDispatcher } from './scheduling/settings.js';

/** Options of `createStudio`. Node types beyond the built-in ones come from `extraNodeTypes`. */
export interface StudioOptions {
  config: RuntimeConfig;
  storage: Storage;
  log: Logger;
  extraNodeTypes?: NodeType[];
  registry?: EditableNodeTypeRegistry;
  random?: () => number;
  /** Runs plugin code, and the studio closes it. By default a pool that starts on the first call. */
  sandbox?: Sandbox;
  /** Looks up credentials for plugin slots; by default the credential vault. */
  credentials?: CredentialResolver;
  /** Resolves host names for plugin HTTP requests; by default the system resolver. */
  resolveHost?: HostResolver;
  /** Stores artifacts; by default the S3 bucket of `S3_*`, or files under `<DATA_DIR>/blobs`. */
  blobs?: BlobStore;
  /**
   * Store class of the rate-limit counters. By default the counters are shared by every process
   * of the studio: on the Redis server of `REDIS_URL`, or in `DATA_DIR/rate-limits.db`.
   */
  rateLimitStore?: RateLimitStoreClass;
  /**
   * Job store, run dispatch and cron triggers of this process's role; by default made from
   * `config.scheduling`. The studio closes it.
   */
  scheduling?: StudioScheduling;
}

/** One method and URL pattern the app serves. */
export interface StudioRoute {
  method: string;
  url: string;
}

/** A studio instance: the Fastify app and the services behind it. */
export interface Studio {
  app: FastifyInstance;
  ctx: StudioContext;
  /** Every route the app serves, recorded as each is added, so tests can audit all of them. */
  routes: readonly StudioRoute[];
  /** Stops taking requests, lets running runs end, flushes events and closes storage. */
  close(): Promise<void>;
}

/** Builds the Fastify app with every route, the executor and the event bus. */
export async function createStudio(options: StudioOptions): Promise<Studio> {
  const { config, storage, log } = options;
  const secrets = resolveSecrets(config, log);
  const registry =
    options.registry ?? new InMemoryNodeTypeRegistry([...BUILT_IN_NODE_TYPES, ...(options.extraNodeTypes ?? [])]);
  const events = new EventBus(storage.events, log.child({ component: 'events' }));
  const credits = new CreditService({ storage, settings: config.credits, log });
  const artifacts = new ArtifactService({
    storage,
    blobs: options.blobs ?? createBlobStore(config.artifacts, config.dataDir, log),
    settings: config.artifacts,
    log,
  });
  const scheduling = options.scheduling ?? createScheduling({ config, storage, log });
  const executor: Executor = new Executor({
    storage,
    events,
    registry,
    // The plugin host, built below, hides other users' private node types from each run.
    nodeTypesFor: (ownerId) => plugins.nodeTypesFor(ownerId),
    log,
    taskTimeoutMs: config.taskTimeoutMs,
    runConcurrency: config.runConcurrency,
    recovery: config.recovery,
    random: options.random,
    credits,
    artifacts,
    // Workers and API nodes share runs only when runs go through Agenda jobs.
    leaseCheckMs: usesAgendaDispatcher(config.scheduling) ? config.scheduling.eventPollMs : undefined,
  }, scheduling.createDispatcher((runId) => executor.execute(runId)));
  const metrics = createMetrics(
    {
      activeRuns: () => executor.activeRuns,
      queuedRuns: () => executor.dispatcher.queued,
      sandbox: () => sandbox.stats(),
      jobs: () => scheduling.jobs.countJobs(),
    },
    { graphLabels: config.metrics.token !== null },
  );
  events.subscribeAll(metrics.observeRunEvent);
  scheduling.jobs.onJobStart((name, latenessMs) => metrics.jobLateness.observe({ name }, latenessMs / 1000));
  const sandbox = options.sandbox ?? createLazySandbox(() => createSandboxPool(config.plugins, log));
  // The vault reads credential types from the plugin host, which is built next.
  const vault = new CredentialVault({
    config,
    storage,
    keys: secrets.encryptionKeys,
    // The AI node types declare their credential types beside the plugins' ones.
    plugins: () => [...plugins.listLoaded(), AI_CREDENTIAL_SOURCE],
    log,
    resolveHost: options.resolveHost,
  });
  const plugins: PluginHost = new PluginHost({
    storage,
    registry,
    log,
    execution: {
      sandbox,
      settings: config.plugins,
      credentials: options.credentials ?? vault.resolver,
      isTrusted: (name) => config.plugins.trustedPlugins.includes(name),
      services: {
        gateway: new HttpGateway({
          allowPrivate: config.plugins.httpAllowPrivate,
          timeoutMs: config.plugins.httpTimeoutMs,
          maxResponseBytes: config.plugins.httpMaxResponseBytes,
          resolve: options.resolveHost,
        }),
        artifacts,
        settings: config.plugins,
        topUps: { storage, credits },
      },
    },
  });
  const aiNodeTypes = createAiNodeTypes({
    settings: config.ai,
    storage,
    credentials: options.credentials ?? vault.resolver,
    metrics,
    events,
    credits,
    nodeTypesFor: (ownerId) => plugins.nodeTypesFor(ownerId),
    taskTimeoutMs: config.taskTimeoutMs,
  });
  for (const nodeType of aiNodeTypes) registry.add(nodeType);
  const ctx: StudioContext = {
    config,
    storage,
    events,
    executor,
    registry,
    graphs: new GraphCache(storage),
    metrics,
    log,
    plugins,
    secrets,
    vault,
    credits,
    scheduling,
    artifacts,
    connections: new LiveConnections(),
  };
  await plugins.load();
  vault.startRotation();
  artifacts.start();

  const app: FastifyInstance = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit: config.apiBodyLimitBytes,
    genReqId: () => newId('req'),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestTimeout: config.requestTimeoutMs,
    clientErrorHandler: replyToClientError,
    // The router rejects malformed URLs and overlong path parameters before any route's error
    // handler runs. This sends them the same error body as every other rejected request.
    frameworkErrors: replyWithError,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  const routes: StudioRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  // The REST API accepts JSON only. Without Fastify's default text/plain parser, such bodies get
  // the 415 reply instead of reaching routes that expect an object. The webhook routes install
  // their own parsers.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.addHook('onRequest', rejectEncodedBodies);
  app.addHook('preValidation', rejectDeepBodies);
  app.addHook('preValidation', rejectMistypedBodyFields);
  app.addHook('preValidation', rejectNonFiniteNumbers);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) request.log.error({ status: reply.statusCode, route }, 'request completed');
    else request.log.debug({ status: reply.statusCode, route, ms: reply.elapsedTime }, 'request completed');
  });

  describeErrorReplies(app);
  describeSecurity(app);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'GestorLead Studio API',
        version: '0.1.0',
        description: 'Graphs, runs, webhook triggers and live run events.',
      },
      ...OPENAPI_SECURITY,
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  const sharedRateLimits = options.rateLimitStore ? null : openSharedRateLimits({ redisUrl: config.redisUrl, dataDir: config.dataDir }, log);
  await installAccounts(app, ctx, { rateLimitStore: options.rateLimitStore ?? sharedRateLimits!.storeClass() });

  await app.register(async (scope) => graphRoutes(scope, ctx));
  await app.register(async (scope) => runRoutes(scope, ctx));
  await app.register(async (scope) => healthRoutes(scope, ctx));
  await app.register(async (scope) => wsRoutes(scope, ctx));
  await app.register(async (scope) => hookRoutes(scope, ctx));
  await app.register(async (scope) => deliveryRoutes(scope, ctx));
  await app.register(async (scope) => pluginRoutes(scope, ctx));
  await app.register(async (scope) => builderAppRoutes(scope, config.builderDir, log));
  await app.register(async (scope) => creditRoutes(scope, ctx));
  await app.register(async (scope) => credentialRoutes(scope, ctx));
  await app.register(async (scope) => credentialOAuth2Routes(scope, ctx));
  await app.register(async (scope) => scheduleRoutes(scope, ctx));
  await app.register(async (scope) => artifactRoutes(scope, ctx));
  await app.register(async (scope) => statsRoutes(scope, ctx));
  await app.register(async (scope) => templateRoutes(scope, ctx));
  await app.register(async (scope) => taskRoutes(scope, ctx));
  await app.register(async (scope) => billingRoutes(scope, ctx));

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await app.close();
      await sharedRateLimits?.close();
      await executor.close();
      await artifacts.stop();
      await vault.close();
      await scheduling.close();
      await sandbox.close();
      await storage.close();
    })();
    return closing;
  };
  return { app, ctx, routes, close };
}
