import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAiSettings, type AiSettings } from './ai/settings.js';
import { loadArtifactSettings, type ArtifactSettings } from './artifacts/settings.js';
import { loadAuthSettings, loadSecretSettings, type AuthSettings, type SecretSettings } from './auth/settings.js';
import { loadBillingSettings, type BillingSettings } from './billing/settings.js';
import { loadCreditSettings, type CreditSettings } from './credits/settings.js';
import { readPlatformEnv } from './plugins/platform-credentials.js';
import { loadOAuth2Config, type OAuth2Config } from './vault/oauth2/settings.js';
import { loadSchedulingSettings, type SchedulingSettings } from './scheduling/settings.js';
import { loadStorageSettings, type StorageSettings } from './storage/settings.js';

/** Runtime settings, read from the environment once at start-up. */
export interface RuntimeConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel: string;
  /** Largest webhook body accepted, in bytes. */
  webhookBodyLimitBytes: number;
  /** Largest JSON body accepted by the REST API, in bytes. */
  apiBodyLimitBytes: number;
  /** How long a sync webhook waits for `core/respond` when the graph sets no timeout. */
  webhookSyncTimeoutMs: number;
  /** How many runs execute at once in this process. */
  runConcurrency: number;
  /** Timeout of a task whose node sets none. */
  taskTimeoutMs: number;
  /** Recovery policy for runs a dead process left running: `resume` or `fail`. */
  recovery: 'resume' | 'fail';
  /** Bytes a WebSocket client may fall behind before it is disconnected. */
  wsMaxBufferedBytes: number;
  /** Time a client has to send a whole request, headers and body. */
  requestTimeoutMs: number;
  /** Sandbox and host-service limits of plugin actions. */
  plugins: PluginSettings;
  /** Folder of the built builder app, served at `/`; null when `BUILDER_DIR` is set empty. */
  builderDir: string | null;
  /** Accounts, tokens and rate limits. */
  auth: AuthSettings;
  /** Raw secret values; `resolveSecrets` in `auth/secrets.ts` checks and decodes them. */
  secrets: SecretSettings;
  /** OAuth2 client settings of credential types (`OAUTH2_CLIENTS`, `OAUTH2_REDIRECT_URL`). */
  oauth2: OAuth2Config;
  /** Whether tasks are charged, and the operator's prices (`CREDITS_*`). */
  credits: CreditSettings;
  /** Credit packages and the Asaas credential that sells them (`BILLING_*`). */
  billing: BillingSettings;
  /** Process role, Agenda job store, cron triggers and cross-process events. */
  scheduling: SchedulingSettings;
  /** Providers, platform keys and the result cache of the AI nodes (`OPENAI_*`, `GOOGLE_API_KEY`, `AI_*`). */
  ai: AiSettings;
  /** The blob store behind artifacts (`S3_*`) and their retention (`ARTIFACT_*`). */
  artifacts: ArtifactSettings;
  /** Access to Prometheus metrics (`METRICS_*`). */
  metrics: MetricsSettings;
  /** Redis server of the rate-limit counters (`REDIS_URL`); null keeps them in SQLite. */
  redisUrl: string | null;
  /** The store of graphs, runs and accounts: SQLite or MongoDB (`STORAGE`, `MONGO_*`). */
  storage: StorageSettings;
}

/** Access to Prometheus metrics. */
export interface MetricsSettings {
  /** Bearer token `GET /metrics` requires; null leaves it public and hides graph ids. */
  token: string | null;
  /** Port of the metrics server of `worker` and `scheduler` processes; 0 turns it off. */
  port: number;
}

/** Output folder of `npm run build`: the built builder app. */
export const DEFAULT_BUILDER_DIR = fileURLToPath(new URL('../../builder/dist/', import.meta.url));

/** Limits and trust settings of plugin code and the services behind its `ctx`. */
export interface PluginSettings {
  /** Child processes of the sandbox pool. */
  poolSize: number;
  /** Isolate heap of an action that declares no `limits.memoryMb`, in MiB. */
  memoryMb: number;
  /** Upper bound of any action's heap, in MiB. */
  maxMemoryMb: number;
  /** CPU time of an action that declares no `limits.cpuTimeMs`, in milliseconds. */
  cpuTimeMs: number;
  /** Upper bound of any action's CPU time, in milliseconds. */
  maxCpuTimeMs: number;
  /** Wall-clock time of an action call that declares no `limits.timeoutMs`, in milliseconds. */
  timeoutMs: number;
  /** Upper bound of any action call's wall-clock time, in milliseconds. */
  maxTimeoutMs: number;
  /** Private addresses `ctx.http` may reach: CIDR blocks and `host:port` entries. */
  httpAllowPrivate: string[];
  /** Timeout of one `ctx.http` request when the plugin sets none, and the cap of any it sets. */
  httpTimeoutMs: number;
  /** Largest response body `ctx.http` reads, in bytes. */
  httpMaxResponseBytes: number;
  /** Largest file `ctx.files.put` stores, in bytes. */
  filesMaxBytes: number;
  /** Lines one action call may write with `ctx.log` before further lines are dropped. */
  logMaxLines: number;
  /** Plugins that may reach any public host, whatever their `permissions.hosts` lists. */
  trustedPlugins: string[];
  /**
   * The operator's platform credentials of first-party plugins: the set variables of
   * `PLATFORM_CREDENTIAL_VARIABLES` (`OPENAI_API_KEY`, `PIAPI_API_KEY`, …) by name.
   */
  platformEnv: Record<string, string>;
}

const DEFAULTS = {
  HOST: '127.0.0.1',
  PORT: '8000',
  DATA_DIR: './data',
  LOG_LEVEL: 'info',
  WEBHOOK_BODY_LIMIT_BYTES: String(16 * 1024 * 1024),
  API_BODY_LIMIT_BYTES: String(4 * 1024 * 1024),
  WEBHOOK_SYNC_TIMEOUT_MS: '30000',
  RUN_CONCURRENCY: '64',
  TASK_TIMEOUT_MS: '300000',
  RECOVERY: 'resume',
  WS_MAX_BUFFERED_BYTES: String(1024 * 1024),
  REQUEST_TIMEOUT_MS: '60000',
  SANDBOX_POOL_SIZE: '2',
  SANDBOX_MEMORY_MB: '128',
  SANDBOX_MAX_MEMORY_MB: '512',
  SANDBOX_CPU_TIME_MS: '10000',
  SANDBOX_MAX_CPU_TIME_MS: '60000',
  SANDBOX_TIMEOUT_MS: '30000',
  SANDBOX_MAX_TIMEOUT_MS: '300000',
  HTTP_ALLOW_PRIVATE: '',
  HTTP_TIMEOUT_MS: '30000',
  HTTP_MAX_RESPONSE_BYTES: String(10 * 1024 * 1024),
  FILES_MAX_BYTES: String(10 * 1024 * 1024),
  PLUGIN_LOG_MAX_LINES: '200',
  TRUSTED_PLUGINS: 'core',
  METRICS_PORT: '0',
} as const;

type EnvName = keyof typeof DEFAULTS;

function readInteger(env: NodeJS.ProcessEnv, name: EnvName, min: number, max: number): number {
  const raw = env[name] ?? DEFAULTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Splits a comma-separated variable into trimmed, non-empty entries. */
function readList(env: NodeJS.ProcessEnv, name: EnvName): string[] {
  const raw = env[name] ?? DEFAULTS[name];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Reads a default and its maximum, and checks that the default does not exceed the maximum. */
function readCappedPair(
  env: NodeJS.ProcessEnv,
  defaultName: EnvName,
  maxName: EnvName,
  min: number,
  max: number,
): [number, number] {
  const value = readInteger(env, defaultName, min, max);
  const cap = readInteger(env, maxName, min, max);
  if (value > cap) {
    throw new Error(`${defaultName} (${value}) must not exceed ${maxName} (${cap})`);
  }
  return [value, cap];
}

function loadPluginSettings(env: NodeJS.ProcessEnv): PluginSettings {
  // The sandbox accepts 8 to 1024 MiB, the range a manifest's limits.memoryMb may ask for.
  const [memoryMb, maxMemoryMb] = readCappedPair(env, 'SANDBOX_MEMORY_MB', 'SANDBOX_MAX_MEMORY_MB', 8, 1024);
  const [cpuTimeMs, maxCpuTimeMs] = readCappedPair(env, 'SANDBOX_CPU_TIME_MS', 'SANDBOX_MAX_CPU_TIME_MS', 1, 900_000);
  const [timeoutMs, maxTimeoutMs] = readCappedPair(env, 'SANDBOX_TIMEOUT_MS', 'SANDBOX_MAX_TIMEOUT_MS', 1, 900_000);
  return {
    poolSize: readInteger(env, 'SANDBOX_POOL_SIZE', 1, 64),
    memoryMb,
    maxMemoryMb,
    cpuTimeMs,
    maxCpuTimeMs,
    timeoutMs,
    maxTimeoutMs,
    httpAllowPrivate: readList(env, 'HTTP_ALLOW_PRIVATE'),
    httpTimeoutMs: readInteger(env, 'HTTP_TIMEOUT_MS', 1, 900_000),
    httpMaxResponseBytes: readInteger(env, 'HTTP_MAX_RESPONSE_BYTES', 1, 1024 * 1024 * 1024),
    filesMaxBytes: readInteger(env, 'FILES_MAX_BYTES', 1, 1024 * 1024 * 1024),
    logMaxLines: readInteger(env, 'PLUGIN_LOG_MAX_LINES', 1, 100_000),
    trustedPlugins: readList(env, 'TRUSTED_PLUGINS'),
    platformEnv: readPlatformEnv(env),
  };
}

/** Reads the configuration from `env`; throws with the variable's name on an invalid value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const recovery = env.RECOVERY ?? DEFAULTS.RECOVERY;
  if (recovery !== 'resume' && recovery !== 'fail') {
    throw new Error(`RECOVERY must be "resume" or "fail", got "${recovery}"`);
  }
  return {
    host: env.HOST ?? DEFAULTS.HOST,
    port: readInteger(env, 'PORT', 0, 65_535),
    dataDir: path.resolve(env.DATA_DIR ?? DEFAULTS.DATA_DIR),
    logLevel: env.LOG_LEVEL ?? DEFAULTS.LOG_LEVEL,
    webhookBodyLimitBytes: readInteger(env, 'WEBHOOK_BODY_LIMIT_BYTES', 1, 1024 * 1024 * 1024),
    apiBodyLimitBytes: readInteger(env, 'API_BODY_LIMIT_BYTES', 1, 1024 * 1024 * 1024),
    webhookSyncTimeoutMs: readInteger(env, 'WEBHOOK_SYNC_TIMEOUT_MS', 1, 3_600_000),
    runConcurrency: readInteger(env, 'RUN_CONCURRENCY', 1, 100_000),
    taskTimeoutMs: readInteger(env, 'TASK_TIMEOUT_MS', 1, 86_400_000),
    recovery,
    wsMaxBufferedBytes: readInteger(env, 'WS_MAX_BUFFERED_BYTES', 1024, 1024 * 1024 * 1024),
    requestTimeoutMs: readInteger(env, 'REQUEST_TIMEOUT_MS', 1000, 3_600_000),
    plugins: loadPluginSettings(env),
    builderDir: env.BUILDER_DIR === '' ? null : path.resolve(env.BUILDER_DIR ?? DEFAULT_BUILDER_DIR),
    auth: loadAuthSettings(env),
    secrets: loadSecretSettings(env),
    oauth2: loadOAuth2Config(env),
    credits: loadCreditSettings(env),
    billing: loadBillingSettings(env),
    scheduling: loadSchedulingSettings(env, path.resolve(env.DATA_DIR ?? DEFAULTS.DATA_DIR)),
    ai: loadAiSettings(env),
    artifacts: loadArtifactSettings(env),
    metrics: {
      token: env.METRICS_TOKEN ? env.METRICS_TOKEN : null,
      port: readInteger(env, 'METRICS_PORT', 0, 65_535),
    },
    redisUrl: env.REDIS_URL ? env.REDIS_URL : null,
    storage: loadStorageSettings(env),
  };
}
