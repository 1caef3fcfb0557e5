/**
 * `runAction` and `runTrigger`: call a plugin the way the studio does, offline. The manifest
 * is validated, config and credentials get their defaults and are checked against their
 * schemas, and a `PluginError` comes back as the data the studio stores.
 */
import { describeAjvError } from '../graph/ajv-problems.js';
import { outputPortsOf } from '../graph/ports.js';
import { joinPointer } from '../json-pointer.js';
import { validateManifest } from '../manifest/validate-manifest.js';
import type {
  ActionManifest,
  CredentialSlotManifest,
  PluginErrorData,
  PluginManifest,
  WebhookRequestData,
} from '../plugin/abi.js';
import { applyDefaults } from '../plugin/defaults.js';
import type { PluginDefinition } from '../plugin/define.js';
import { hasErrorCode, toPluginErrorData } from '../plugin/errors.js';
import { normalizeActionResult } from '../plugin/outputs.js';
import { describeTooLarge, PluginSchemaValidator } from '../plugin-schema/validator.js';
import {
  createTestContext,
  type LogEntry,
  type StoredFile,
  type TestContextOptions,
} from './context.js';
import type { RecordedRequest } from './http.js';

/** One problem with the config, credentials or input a test passed. */
export interface InputProblem {
  /** JSON pointer under `/config`, `/credentials` or `/input`. */
  pointer: string;
  message: string;
}

/**
 * Thrown by `runAction` and `runTrigger` when the config, credentials or input would not pass
 * the studio's checks, before the plugin is called.
 */
export class ActionInputError extends Error {
  /** Every problem found. */
  readonly problems: InputProblem[];

  /** Creates the error; the message lists each problem on its own line. */
  constructor(target: string, problems: InputProblem[]) {
    const lines = problems.map((problem) => `  ${problem.pointer}: ${problem.message}`);
    super(`invalid options for ${target}:\n${lines.join('\n')}`);
    this.name = 'ActionInputError';
    this.problems = problems;
  }
}

/**
 * Thrown by `runAction` when the action throws an error with a `code`, such as a
 * `PluginError`. `code`, `message`, `retryable` and `details` are the data the studio stores
 * on the task, so `rejects.toMatchObject({ code, retryable })` checks them.
 */
export class ActionFailedError extends Error implements PluginErrorData {
  readonly code: string;
  readonly retryable: boolean;
  readonly details?: unknown;
  /** The error as plain data. */
  readonly error: PluginErrorData;
  /** Lines the action logged before it failed. */
  readonly logs: LogEntry[];
  /** Requests the action sent before it failed. */
  readonly requests: RecordedRequest[];

  /** Creates the error from the plugin's error data and what the action did before it. */
  constructor(error: PluginErrorData, logs: LogEntry[], requests: RecordedRequest[]) {
    super(error.message);
    this.name = 'ActionFailedError';
    this.error = error;
    this.code = error.code;
    this.retryable = error.retryable;
    if (error.details !== undefined) {
      this.details = error.details;
    }
    this.logs = logs;
    this.requests = requests;
  }
}

/** Options of `runAction`: a test context without `hosts`, which come from the manifest. */
export type RunActionOptions = Omit<TestContextOptions, 'hosts'>;

/** The result of `runAction`: outputs, logs, requests and stored files. */
export interface RunActionResult {
  /** Values by output port, as JSON, the way the next nodes receive them. */
  outputs: Record<string, unknown>;
  logs: LogEntry[];
  requests: RecordedRequest[];
  /** Files stored with `ctx.files.put`. */
  files: StoredFile[];
  /** The sum of the units reported with `ctx.reportUsage`; undefined when none were reported. */
  units: number | undefined;
  /** Waits of `ctx.sleep`, in milliseconds, in order. */
  sleeps: number[];
}

/* ------------------------------------------------------------------ shared checks */

const checkedManifests = new WeakMap<PluginDefinition, PluginManifest>();

/** Returns the definition's manifest, or throws an Error listing every manifest problem. */
function validManifestOf(definition: PluginDefinition): PluginManifest {
  const cached = checkedManifests.get(definition);
  if (cached !== undefined) {
    return cached;
  }
  const result = validateManifest(definition.manifest);
  if (!result.ok) {
    const lines = result.problems.map(
      (problem) => `  ${problem.pointer}: ${problem.message} (${problem.code})`,
    );
    throw new Error(`the plugin manifest is invalid, so the studio would reject it:\n${lines.join('\n')}`);
  }
  checkedManifests.set(definition, result.manifest);
  return result.manifest;
}

const validators = new WeakMap<object, PluginSchemaValidator>();

/** Checks `value` with the studio's validator of plugin schemas. */
function checkAgainstSchema(
  schema: Record<string, unknown>,
  value: unknown,
  basePointer: string,
): InputProblem[] {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = new PluginSchemaValidator(schema);
    validators.set(schema, validator);
  }
  const result = validator.check(value);
  if (result.tooLarge !== undefined) {
    return [{ pointer: basePointer, message: describeTooLarge(result.tooLarge) }];
  }
  return result.errors
    .filter((error) => error.keyword !== 'if')
    .map((error) => {
      const params = error.params as Record<string, unknown>;
      let pointer = basePointer + error.instancePath;
      if (typeof params.missingProperty === 'string') {
        pointer = joinPointer(pointer, params.missingProperty);
      } else if (typeof params.additionalProperty === 'string') {
        pointer = joinPointer(pointer, params.additionalProperty);
      }
      return { pointer, message: describeAjvError(error) };
    });
}

/** Fields the studio adds to the values of an OAuth2 credential (`OAuth2TokenValues`). */
const OAUTH2_TOKEN_FIELDS: ReadonlySet<string> = new Set(['accessToken', 'tokenType', 'expiresAt', 'scopes']);

function withoutKeys(values: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !keys.has(key)));
}

/**
 * Applies the defaults of each slot's credential type and checks the values. A required slot
 * must be filled, and a slot the declaration does not list is reported.
 */
function prepareCredentials(
  manifest: PluginManifest,
  slots: readonly CredentialSlotManifest[],
  supplied: Record<string, Record<string, unknown>>,
  problems: InputProblem[],
): Record<string, Record<string, unknown>> {
  const credentials: Record<string, Record<string, unknown>> = {};
  for (const slot of slots) {
    const pointer = joinPointer('/credentials', slot.slot);
    const values = supplied[slot.slot];
    if (values === undefined) {
      if (slot.required === true) {
        problems.push({ pointer, message: `is required: slot "${slot.slot}" needs a "${slot.type}" credential` });
      }
      continue;
    }
    const type = manifest.credentialTypes.find((candidate) => candidate.name === slot.type);
    const withDefaults = applyDefaults(type?.schema, values) as Record<string, unknown>;
    if (type !== undefined) {
      // The token fields of an OAuth2 type come from the studio, not from the type's schema.
      const entered = type.oauth2 === undefined ? withDefaults : withoutKeys(withDefaults, OAUTH2_TOKEN_FIELDS);
      problems.push(...checkAgainstSchema(type.schema, entered, pointer));
    }
    credentials[slot.slot] = withDefaults;
  }

  const known = new Set(slots.map((slot) => slot.slot));
  for (const name of Object.keys(supplied)) {
    if (!known.has(name)) {
      const declared = known.size === 0 ? 'none' : [...known].join(', ');
      problems.push({
        pointer: joinPointer('/credentials', name),
        message: `is not a credential slot of this declaration (slots: ${declared})`,
      });
    }
  }
  return credentials;
}

function copyAsJson(value: unknown, description: string): unknown {
  try {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`${description} is not JSON, so the studio could not store it: ${reason}`);
  }
}

/* ------------------------------------------------------------------ actions */

function findAction(manifest: PluginManifest, reference: string): ActionManifest {
  const [name, versionText] = reference.split('@');
  const candidates = manifest.actions.filter((action) => action.name === name);
  const action =
    versionText === undefined
      ? candidates.sort((a, b) => b.version - a.version)[0]
      : candidates.find((candidate) => candidate.version === Number(versionText));
  if (action === undefined) {
    const available = manifest.actions.map((item) => `${item.name}@${item.version}`).join(', ');
    throw new Error(`plugin "${manifest.name}" has no action "${reference}" (actions: ${available || 'none'})`);
  }
  return action;
}

function checkOutputPorts(action: ActionManifest, config: Record<string, unknown>, outputs: Record<string, unknown>): void {
  const declared = outputPortsOf(
    { config },
    {
      type: `plugin/${action.name}@${action.version}`,
      displayName: action.displayName,
      configSchema: action.configSchema,
      inputs: action.inputs,
      outputs: action.outputs,
      ...(action.outputsFromConfig !== undefined ? { outputsFromConfig: action.outputsFromConfig } : {}),
    },
  );
  for (const port of Object.keys(outputs)) {
    if (!declared.includes(port)) {
      throw new Error(
        `action "${action.name}" returned a value on port "${port}", which it does not declare ` +
          `(output ports: ${declared.join(', ') || 'none'}), so no edge could carry it`,
      );
    }
  }
}

/**
 * Runs one action of a plugin offline, the way the studio would. `actionName` is a name, which
 * picks the highest version, or `name@version`.
 *
 * Throws an Error when the manifest is invalid or has no such action, an `ActionInputError`
 * when the config, credentials or input would not pass the studio's checks, and an
 * `ActionFailedError` when the action throws an error with a `code`. Any other error the
 * action throws is rethrown unchanged, with its stack; the studio would store it as
 * `RUNTIME_NODE_FAILED`.
 */
export async function runAction(
  definition: PluginDefinition,
  actionName: string,
  options: RunActionOptions = {},
): Promise<RunActionResult> {
  const manifest = validManifestOf(definition);
  const action = findAction(manifest, actionName);
  const entry = definition.actions.find(
    (candidate) => candidate.name === action.name && candidate.version === action.version,
  );
  if (entry === undefined) {
    throw new Error(`the definition has no run function for action "${action.name}@${action.version}"`);
  }

  const problems: InputProblem[] = [];
  const config = applyDefaults(action.configSchema, options.config ?? {}) as Record<string, unknown>;
  problems.push(...checkAgainstSchema(action.configSchema, config, '/config'));
  const credentials = prepareCredentials(manifest, action.credentialSlots ?? [], options.credentials ?? {}, problems);
  const inputPorts = new Set(action.inputs.map((port) => port.name));
  for (const port of Object.keys(options.input ?? {})) {
    if (!inputPorts.has(port)) {
      problems.push({
        pointer: joinPointer('/input', port),
        message: `is not an input port of this action (inputs: ${[...inputPorts].join(', ') || 'none'})`,
      });
    }
  }
  if (problems.length > 0) {
    throw new ActionInputError(`action "${action.name}@${action.version}"`, problems);
  }

  const test = createTestContext({ ...options, config, credentials, hosts: manifest.permissions.hosts });
  let result: unknown;
  try {
    result = await entry.run(test.ctx);
  } catch (thrown) {
    if (hasErrorCode(thrown)) {
      throw new ActionFailedError(toPluginErrorData(thrown), test.logs, test.requests);
    }
    throw thrown;
  }

  const outputs = normalizeActionResult(result, action.outputs[0]?.name);
  checkOutputPorts(action, config, outputs);
  return {
    outputs: copyAsJson(outputs, `the output of action "${action.name}"`) as Record<string, unknown>,
    logs: test.logs,
    requests: test.requests,
    files: test.files,
    units: test.usage.length === 0 ? undefined : test.usage.reduce((sum, units) => sum + units, 0),
    sleeps: test.sleeps,
  };
}

/* ------------------------------------------------------------------ triggers */

/** Options of `runTrigger`. */
export interface RunTriggerOptions {
  config?: Record<string, unknown>;
  credentials?: Record<string, Record<string, unknown>>;
  /**
   * The delivery. `method` defaults to `POST`, `headers` and `query` to `{}`. `rawBodyBase64`
   * defaults to the body as sent: a string as UTF-8, any other value as JSON.
   */
  request?: Partial<WebhookRequestData>;
}

/** The result of `runTrigger` for one delivery. */
export interface RunTriggerResult {
  /** The result of `verify`, or undefined when the trigger has no `verify`. */
  verified: boolean | undefined;
  /** `parse`'s result: the run input. Undefined when `verify` rejected the delivery or there is no `parse`. */
  input: unknown;
  logs: LogEntry[];
}

function toWebhookRequest(request: Partial<WebhookRequestData> | undefined): WebhookRequestData {
  const body = request?.body ?? null;
  let raw = '';
  if (typeof body === 'string') {
    raw = body;
  } else if (body !== null) {
    raw = JSON.stringify(body);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request?.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  return {
    method: (request?.method ?? 'POST').toUpperCase(),
    headers,
    query: { ...request?.query },
    body,
    rawBodyBase64: request?.rawBodyBase64 ?? Buffer.from(raw, 'utf8').toString('base64'),
  };
}

/**
 * Calls a trigger's `verify`, then, when it passes or is absent, its `parse`, the way the
 * studio handles one webhook delivery. Throws like `runAction` for an invalid manifest, config
 * or credentials, and an `ActionFailedError` when the trigger throws an error with a `code`.
 * @experimental
 */
export async function runTrigger(
  definition: PluginDefinition,
  triggerName: string,
  options: RunTriggerOptions = {},
): Promise<RunTriggerResult> {
  const manifest = validManifestOf(definition);
  const trigger = manifest.triggers.find((candidate) => candidate.name === triggerName);
  const entry = definition.triggers.find((candidate) => candidate.name === triggerName);
  if (trigger === undefined || entry === undefined) {
    const available = manifest.triggers.map((item) => item.name).join(', ');
    throw new Error(`plugin "${manifest.name}" has no trigger "${triggerName}" (triggers: ${available || 'none'})`);
  }

  const problems: InputProblem[] = [];
  const config = applyDefaults(trigger.configSchema, options.config ?? {}) as Record<string, unknown>;
  problems.push(...checkAgainstSchema(trigger.configSchema, config, '/config'));
  const credentials = prepareCredentials(manifest, trigger.credentialSlots ?? [], options.credentials ?? {}, problems);
  if (problems.length > 0) {
    throw new ActionInputError(`trigger "${trigger.name}"`, problems);
  }

  const { ctx, logs, requests } = createTestContext();
  const triggerContext = { config, credentials, request: toWebhookRequest(options.request), log: ctx.log };
  try {
    const verified = entry.verify === undefined ? undefined : await entry.verify(triggerContext);
    if (verified === false || entry.parse === undefined) {
      return { verified, input: undefined, logs };
    }
    const input = copyAsJson(await entry.parse(triggerContext), `the input parsed by trigger "${trigger.name}"`);
    return { verified, input, logs };
  } catch (thrown) {
    if (hasErrorCode(thrown)) {
      throw new ActionFailedError(toPluginErrorData(thrown), logs, requests);
    }
    throw thrown;
  }
}
