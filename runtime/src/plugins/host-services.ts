/**
 * The services behind a plugin's `ctx` for one action call: HTTP through the gateway, files in
 * the blob store, and task log lines. The sandbox forwards each `ctx` call here; errors are
 * `NodeError`s, which reach the plugin as `PluginError`s with the same code.
 */
import type { FilePutData, FileRefData } from '@gestorlead/sdk-plugin/plugin';
import type { ArtifactService } from '../artifacts/artifact-service.js';
import type { PluginSettings } from '../config.js';
import { NodeError, type TaskLogLevel } from '../executor/node-type.js';
import type { HostServices } from '../sandbox/types.js';
import { topUpCredits, type CreditTopUpDependencies } from './credit-top-up.js';
import type { HttpGateway, HttpPolicy } from './http-gateway.js';

/** Maximum length of a log message, in characters; longer messages are cut. */
export const MAX_LOG_MESSAGE_CHARS = 2_000;
/** Maximum length of log `data` as JSON, in characters; larger data is replaced by a preview. */
export const MAX_LOG_DATA_CHARS = 8_192;
const MAX_FILE_NAME_CHARS = 255;
const CONTENT_TYPE_PATTERN = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(?:\s*;[^\r\n]{0,200})?$/;
/**
 * Checks standard base64 with padding in one pass. A regular expression with a repeated group
 * overflows the stack on strings of a few megabytes.
 */
function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const end = text.length - padding;
  for (let index = 0; index < end; index += 1) {
    const code = text.charCodeAt(index);
    const isLetterOrDigit =
      (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (!isLetterOrDigit && code !== 43 && code !== 47) return false;
  }
  return true;
}
const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

/** Services shared by every call: the gateway, the artifact store and the operator's settings. */
export interface HostServiceDependencies {
  gateway: HttpGateway;
  /** Stores `ctx.files.put` content with an artifact record, and reads it back for `ctx.files.get`. */
  artifacts: ArtifactService;
  settings: PluginSettings;
  /** The ledger behind `ctx.credits.topUp`; without it every top-up is rejected. */
  topUps?: CreditTopUpDependencies;
}

/** The call the services act for. */
export interface CallScope {
  policy: HttpPolicy;
  runId: string;
  nodeId: string;
  taskId: string;
  /** Whether the plugin version may call `ctx.credits.topUp` (shared, and declares `permissions.topUpCredits`). */
  topUpCredits?: boolean;
  /** The task log of the node (`NodeContext.log`). */
  log(level: TaskLogLevel, message: string, data?: unknown): void;
}

/** Host services of one call, and `finish`, which writes the summary of dropped log lines. */
export interface CallHostServices extends HostServices {
  finish(): void;
}

function fileError(code: string, message: string): NodeError {
  return new NodeError(code, message, { retryable: false });
}

/** Cuts `data` to a preview when its JSON is longer than `MAX_LOG_DATA_CHARS`. */
function capLogData(data: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    return { unserializable: String(data).slice(0, 200) };
  }
  if (json === undefined || json.length <= MAX_LOG_DATA_CHARS) return data;
  return { truncated: true, chars: json.length, preview: json.slice(0, 1_000) };
}

function isDropSummary(level: string, data: unknown): boolean {
  return level === 'warn' && data !== null && typeof data === 'object' && typeof (data as { dropped?: unknown }).dropped === 'number';
}

function decodedSize(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/** Builds the host services of one action call. */
export function createHostServices(dependencies: HostServiceDependencies, scope: CallScope): CallHostServices {
  const { gateway, artifacts, settings } = dependencies;
  let written = 0;
  let dropped = 0;
  let sandboxSummaryPassed = false;

  return {
    httpRequest: (request, signal) => gateway.request(scope.policy, request, signal),

    async putFile(file: FilePutData): Promise<FileRefData> {
      if (file === null || typeof file !== 'object') {
        throw fileError('PLUGIN_FILE_INVALID', 'ctx.files.put needs { name, contentType, base64 }');
      }
      if (typeof file.name !== 'string' || file.name === '' || file.name.length > MAX_FILE_NAME_CHARS) {
        throw fileError('PLUGIN_FILE_INVALID', `a file name must be 1 to ${MAX_FILE_NAME_CHARS} characters long`);
      }
      if (typeof file.contentType !== 'string' || !CONTENT_TYPE_PATTERN.test(file.contentType)) {
        throw fileError('PLUGIN_FILE_INVALID', `file "${file.name}" needs a content type such as application/pdf`);
      }
      if (typeof file.base64 !== 'string' || file.base64.length % 4 !== 0) {
        throw fileError('PLUGIN_FILE_INVALID', `file "${file.name}" must have base64 content`);
      }
      const size = decodedSize(file.base64);
      if (size > settings.filesMaxBytes) {
        throw fileError(
          'PLUGIN_FILE_TOO_LARGE',
          `file "${file.name}" has ${size} bytes, more than FILES_MAX_BYTES (${settings.filesMaxBytes})`,
        );
      }
      if (!isBase64(file.base64)) {
        throw fileError('PLUGIN_FILE_INVALID', `file "${file.name}" must have base64 content`);
      }
      for (const field of ['model', 'prompt'] as const) {
        if (file[field] !== undefined && typeof file[field] !== 'string') {
          throw fileError('PLUGIN_FILE_INVALID', `file "${file.name}" has a ${field} that is not a string`);
        }
      }
      const record = await artifacts.store({
        runId: scope.runId,
        taskId: scope.taskId,
        nodeId: scope.nodeId,
        plugin: scope.policy.plugin,
        model: file.model ?? null,
        prompt: file.prompt ?? null,
        name: file.name,
        contentType: file.contentType,
        data: Buffer.from(file.base64, 'base64'),
      });
      return { id: record.id, name: file.name, contentType: file.contentType, size: record.size };
    },

    // Files are scoped to the run: a node reads what any node of the same run stored. A file of
    // another run gets the same error as a missing one, so ids of other runs reveal nothing.
    async getFile(id: string): Promise<{ ref: FileRefData; base64: string }> {
      const record = typeof id === 'string' ? await artifacts.get(id) : null;
      const blob = record === null || record.runId !== scope.runId ? null : await artifacts.blobs.get(record.storageKey);
      if (record === null || blob === null) {
        throw fileError('PLUGIN_FILE_NOT_FOUND', `no file of this run has the id "${String(id).slice(0, 100)}"`);
      }
      const ref: FileRefData = { id, name: record.name, contentType: record.contentType, size: blob.size };
      return { ref, base64: blob.data.toString('base64') };
    },

    async topUpCredits(request) {
      if (dependencies.topUps === undefined) {
        throw new NodeError('PLUGIN_PERMISSION_DENIED', 'this studio has no credit ledger for ctx.credits.topUp', { retryable: false });
      }
      const grant = { plugin: scope.policy.plugin, granted: scope.topUpCredits === true, runId: scope.runId };
      return topUpCredits(dependencies.topUps, grant, request);
    },

    log(level, message, data) {
      if (written >= settings.logMaxLines) {
        // The sandbox pool enforces the same cap and reports what it dropped in one warning
        // with `data.dropped`, which passes. Any further line is dropped and counted here.
        if (!sandboxSummaryPassed && isDropSummary(level, data)) {
          sandboxSummaryPassed = true;
          scope.log('warn', String(message).slice(0, MAX_LOG_MESSAGE_CHARS), data);
          return;
        }
        dropped += 1;
        return;
      }
      written += 1;
      const safeLevel: TaskLogLevel = LOG_LEVELS.has(level) ? level : 'info';
      let text = String(message);
      if (text.length > MAX_LOG_MESSAGE_CHARS) text = `${text.slice(0, MAX_LOG_MESSAGE_CHARS)}…`;
      if (data === undefined) scope.log(safeLevel, text);
      else scope.log(safeLevel, text, capLogData(data));
    },

    finish() {
      if (dropped === 0) return;
      scope.log('warn', `${dropped} plugin log lines dropped after the first ${settings.logMaxLines}`, {
        dropped,
        maxLines: settings.logMaxLines,
      });
      dropped = 0;
    },
  };
}
