import path from 'node:path';

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
  };
}
