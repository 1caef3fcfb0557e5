/**
 * Artifact storage and retention settings, read from the environment. Artifacts go to an S3
 * bucket when `S3_ENDPOINT` is set, and to files under `<DATA_DIR>/blobs` otherwise.
 */
import { S3_DEFAULT_PART_SIZE_BYTES, S3_MAX_PART_SIZE_BYTES, S3_MIN_PART_SIZE_BYTES } from '@gestorlead/storage';

/** Connection settings of an S3 (MinIO or AWS) bucket. */
export interface S3Settings {
  /** Host name or IP address, without scheme or port. */
  endPoint: string;
  port: number | undefined;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
  /** Path-style URLs (`host/bucket/key`), which MinIO needs (`S3_PATH_STYLE`). */
  pathStyle: boolean;
  /** Size of each multipart upload part, in bytes (`S3_PART_SIZE_BYTES`). */
  partSizeBytes: number;
}

/** Artifact storage and retention settings. */
export interface ArtifactSettings {
  /** The S3 bucket, or null to store files under `<DATA_DIR>/blobs`. */
  s3: S3Settings | null;
  /** Days an artifact is kept before the sweep deletes it; 0 keeps artifacts forever. */
  retentionDays: number;
  /** Time between two retention sweeps, in milliseconds. */
  sweepIntervalMs: number;
  /** When true and the store is S3, `GET /v1/artifacts/:id` redirects to a presigned URL. */
  presignedRedirect: boolean;
  /** How long a presigned URL stays valid, in seconds. */
  presignExpirySeconds: number;
}

const DEFAULT_RETENTION_DAYS = 30;
const DEFAULT_SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const DEFAULT_PRESIGN_EXPIRY_SECONDS = 300;
/** The maximum validity S3 allows for a presigned URL (SigV4): 7 days. */
const MAX_PRESIGN_EXPIRY_SECONDS = 604_800;

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function readBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name} must be "true" or "false", got "${raw}"`);
}

function readRequired(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} must be set when S3_ENDPOINT is set`);
  }
  return value;
}

/**
 * Reads `S3_ENDPOINT` as a URL (`https://minio.internal:9000`, whose scheme sets TLS) or as a
 * bare host with `S3_PORT` and `S3_USE_SSL`.
 */
function readEndpoint(env: NodeJS.ProcessEnv, raw: string): { endPoint: string; port: number | undefined; useSSL: boolean } {
  if (!raw.includes('://')) {
    return {
      endPoint: raw,
      port: env.S3_PORT === undefined || env.S3_PORT === '' ? undefined : readInteger(env, 'S3_PORT', 0, 1, 65_535),
      useSSL: readBoolean(env, 'S3_USE_SSL', true),
    };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`S3_ENDPOINT must be a host name or an http(s) URL, got "${raw}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(`S3_ENDPOINT must be an http(s) URL without a path, got "${raw}"`);
  }
  return {
    // URL keeps the brackets of an IPv6 host; the minio client expects the bare address.
    endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? undefined : Number(url.port),
    useSSL: url.protocol === 'https:',
  };
}

function loadS3Settings(env: NodeJS.ProcessEnv): S3Settings | null {
  const endpoint = env.S3_ENDPOINT;
  if (endpoint === undefined || endpoint === '') return null;
  const bucket = readRequired(env, 'S3_BUCKET');
  // minio checks bucket names on the client side and rejects names shorter than 3 characters.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new Error(`S3_BUCKET must be 3 to 63 lowercase letters, digits, dots or hyphens, got "${bucket}"`);
  }
  return {
    ...readEndpoint(env, endpoint),
    accessKey: readRequired(env, 'S3_ACCESS_KEY'),
    secretKey: readRequired(env, 'S3_SECRET_KEY'),
    bucket,
    region: env.S3_REGION === undefined || env.S3_REGION === '' ? 'us-east-1' : env.S3_REGION,
    pathStyle: readBoolean(env, 'S3_PATH_STYLE', true),
    partSizeBytes: readInteger(env, 'S3_PART_SIZE_BYTES', S3_DEFAULT_PART_SIZE_BYTES, S3_MIN_PART_SIZE_BYTES, S3_MAX_PART_SIZE_BYTES),
  };
}

/** Reads the artifact settings; throws with the variable's name on an invalid value. */
export function loadArtifactSettings(env: NodeJS.ProcessEnv): ArtifactSettings {
  return {
    s3: loadS3Settings(env),
    retentionDays: readInteger(env, 'ARTIFACT_RETENTION_DAYS', DEFAULT_RETENTION_DAYS, 0, 36_500),
    sweepIntervalMs: readInteger(env, 'ARTIFACT_SWEEP_INTERVAL_MS', DEFAULT_SWEEP_INTERVAL_MS, 1_000, 86_400_000),
    presignedRedirect: readBoolean(env, 'ARTIFACT_PRESIGNED_REDIRECT', false),
    presignExpirySeconds: readInteger(
      env,
      'ARTIFACT_PRESIGN_EXPIRY_SECONDS',
      DEFAULT_PRESIGN_EXPIRY_SECONDS,
      1,
      MAX_PRESIGN_EXPIRY_SECONDS,
    ),
  };
}
