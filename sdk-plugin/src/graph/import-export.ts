/**
 * Graph documents as files: export writes pretty JSON with a `format` marker and a stable key
 * order, so exported files diff cleanly. Import reads that form back and validates it.
 */
import {
  validateGraph,
  type ValidateGraphOptions,
  type ValidateGraphResult,
} from './validate-graph.js';
import { isRecord, type UnknownRecord } from './records.js';
import type { GraphDocument, GraphProblem } from './types.js';

/** Value of the `format` field of exported graph files. */
export const GRAPH_FORMAT = 'gestorlead.graph/v1';

const DOCUMENT_KEYS = ['id', 'name', 'description', 'version', 'settings', 'nodes', 'edges', 'notes'];
const NOTE_KEYS = ['id', 'text', 'position', 'size', 'color'];
const SIZE_KEYS = ['width', 'height'];
const NODE_KEYS = [
  'id',
  'type',
  'label',
  'position',
  'config',
  'credentials',
  'retry',
  'timeoutMs',
  'join',
];
const EDGE_KEYS = ['id', 'source', 'sourcePort', 'target', 'targetPort', 'kind'];
const POSITION_KEYS = ['x', 'y'];
const RETRY_KEYS = ['maxAttempts', 'backoff', 'delayMs', 'maxDelayMs', 'jitter', 'retryOn'];
const SETTINGS_KEYS = [
  'timeoutMs',
  'concurrency',
  'runConcurrency',
  'errorGraphId',
  'timezone',
  'webhook',
  'trigger',
  'schedule',
  'inputSchema',
];
const TRIGGER_KEYS = ['type', 'pluginVersion', 'config', 'credentials'];
const SCHEDULE_KEYS = ['cron', 'timezone', 'enabled', 'missed'];
const WEBHOOK_KEYS = ['mode', 'syncTimeoutMs', 'token', 'hmac', 'eventIdHeader', 'acknowledgeErrorCodes'];
const TOKEN_KEYS = ['header', 'value'];
const HMAC_KEYS = ['secret', 'header', 'timestampHeader', 'toleranceSeconds'];

/**
 * Copies `source` with `keys` first, in that order, then its other own string keys in their
 * original order, so unknown fields survive export. Keys whose value is undefined are left out,
 * as JSON.stringify would leave them out.
 */
function orderKeys(
  source: UnknownRecord,
  keys: readonly string[],
  reorderChild?: (key: string, value: unknown) => unknown,
): UnknownRecord {
  const entries: Array<[string, unknown]> = [];
  const append = (key: string): void => {
    const value = source[key];
    if (value !== undefined) {
      entries.push([key, reorderChild ? reorderChild(key, value) : value]);
    }
  };
  for (const key of keys) {
    if (Object.hasOwn(source, key)) {
      append(key);
    }
  }
  for (const key of Object.keys(source)) {
    if (!keys.includes(key)) {
      append(key);
    }
  }
  // Object.fromEntries defines own properties, so a `__proto__` key stays data.
  return Object.fromEntries(entries);
}

function orderIfRecord(
  value: unknown,
  keys: readonly string[],
  reorderChild?: (key: string, value: unknown) => unknown,
): unknown {
  return isRecord(value) ? orderKeys(value, keys, reorderChild) : value;
}

function orderNode(node: unknown): unknown {
  return orderIfRecord(node, NODE_KEYS, (key, value) => {
    if (key === 'position') {
      return orderIfRecord(value, POSITION_KEYS);
    }
    if (key === 'retry') {
      return orderIfRecord(value, RETRY_KEYS);
    }
    return value;
  });
}

function orderNote(note: unknown): unknown {
  return orderIfRecord(note, NOTE_KEYS, (key, value) => {
    if (key === 'position') {
      return orderIfRecord(value, POSITION_KEYS);
    }
    if (key === 'size') {
      return orderIfRecord(value, SIZE_KEYS);
    }
    return value;
  });
}

function orderWebhook(webhook: unknown): unknown {
  return orderIfRecord(webhook, WEBHOOK_KEYS, (key, value) => {
    if (key === 'token') {
      return orderIfRecord(value, TOKEN_KEYS);
    }
    if (key === 'hmac') {
      return orderIfRecord(value, HMAC_KEYS);
    }
    return value;
  });
}

function orderDocumentChild(key: string, value: unknown): unknown {
  switch (key) {
    case 'settings':
      return orderIfRecord(value, SETTINGS_KEYS, (settingsKey, settingsValue) => {
        if (settingsKey === 'webhook') {
          return orderWebhook(settingsValue);
        }
        if (settingsKey === 'trigger') {
          return orderIfRecord(settingsValue, TRIGGER_KEYS);
        }
        if (settingsKey === 'schedule') {
          return orderIfRecord(settingsValue, SCHEDULE_KEYS);
        }
        return settingsValue;
      });
    case 'nodes':
      return Array.isArray(value) ? value.map(orderNode) : value;
    case 'edges':
      return Array.isArray(value) ? value.map((edge) => orderIfRecord(edge, EDGE_KEYS)) : value;
    case 'notes':
      return Array.isArray(value) ? value.map(orderNote) : value;
    default:
      return value;
  }
}

/**
 * Serializes a graph document as JSON indented by 2 spaces, ending with a newline. `format`
 * comes first, then the document keys in the order id, name, description, version, settings,
 * nodes, edges, notes. Node, edge and settings keys follow the order of `types.ts`. Node `config` and
 * `credentials` keep their own key order. Unknown keys are kept after the known ones.
 */
export function exportGraph(doc: GraphDocument): string {
  const ordered = orderKeys(doc as unknown as UnknownRecord, DOCUMENT_KEYS, orderDocumentChild);
  // A stray `format` key in `doc` must not replace the marker.
  const entries = Object.entries(ordered).filter(([key]) => key !== 'format');
  const exported = Object.fromEntries([['format', GRAPH_FORMAT], ...entries]);
  return JSON.stringify(exported, null, 2) + '\n';
}

/**
 * Parses and validates an exported graph. `input` is JSON text or an already parsed value.
 * The `format` field may be absent, but any value other than `gestorlead.graph/v1` is a problem
 * at `/format`. The field is removed before validation. Invalid JSON yields one `GRAPH_SCHEMA`
 * problem at the root pointer with the parser's message.
 */
export function importGraph(input: unknown, options?: ValidateGraphOptions): ValidateGraphResult {
  let parsed: unknown = input;
  if (typeof input === 'string') {
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        problems: [{ pointer: '', message: `invalid JSON: ${detail}`, code: 'GRAPH_SCHEMA' }],
      };
    }
  }

  if (!isRecord(parsed) || !Object.hasOwn(parsed, 'format')) {
    return validateGraph(parsed, options);
  }

  const { format, ...document } = parsed;
  const formatProblems: GraphProblem[] = [];
  if (format !== undefined && format !== GRAPH_FORMAT) {
    formatProblems.push({
      pointer: '/format',
      message: `unknown format ${JSON.stringify(format)}, expected "${GRAPH_FORMAT}"`,
      code: 'GRAPH_SCHEMA',
    });
  }

  const result = validateGraph(document, options);
  if (formatProblems.length === 0) {
    return result;
  }
  return { ok: false, problems: [...formatProblems, ...(result.ok ? [] : result.problems)] };
}
