/**
 * Checks of `settings.trigger`: the plugin version range, then, against the installed
 * triggers, the trigger type, its kind and its config. Problems point under `/settings/trigger`.
 */
import { joinPointer } from '../json-pointer.js';
import { compareVersions, parseRange } from '../manifest/semver.js';
import {
  selectTriggerVersion,
  type TriggerTypeDescriptor,
  type TriggerTypeLookup,
} from '../trigger-type.js';
import { checkNodeConfig } from './config-validators.js';
import { isRecord } from './records.js';
import { TRIGGER_TYPE_PATTERN } from './schema.js';
import type { GraphProblem } from './types.js';

const TRIGGER_POINTER = '/settings/trigger';
const TRIGGER_TYPE_REGEXP = new RegExp(TRIGGER_TYPE_PATTERN);

/**
 * Checks the `trigger` of a document's `settings`. The range syntax is always checked. The
 * type, kind and config are checked only when `triggerTypes` is given. Values that fail the
 * document schema are skipped, because a schema problem already covers them.
 */
export function checkTriggerSettings(
  settings: unknown,
  triggerTypes: TriggerTypeLookup | undefined,
  problems: GraphProblem[],
): void {
  if (!isRecord(settings) || !isRecord(settings.trigger)) {
    return;
  }
  const trigger = settings.trigger;
  const pluginVersion = typeof trigger.pluginVersion === 'string' ? trigger.pluginVersion : undefined;
  let rangeValid = true;
  if (pluginVersion !== undefined) {
    const range = parseRange(pluginVersion);
    if (!range.ok) {
      rangeValid = false;
      problems.push({
        pointer: joinPointer(TRIGGER_POINTER, 'pluginVersion'),
        message: `is not a valid semver range: ${range.message}`,
        code: 'GRAPH_SCHEMA',
      });
    }
  }

  if (triggerTypes === undefined || typeof trigger.type !== 'string' || !TRIGGER_TYPE_REGEXP.test(trigger.type)) {
    return;
  }
  const selected = resolveTrigger(trigger.type, pluginVersion, rangeValid, triggerTypes, problems);
  if (selected === undefined) {
    return;
  }
  if (selected.kind !== 'webhook') {
    problems.push({
      pointer: joinPointer(TRIGGER_POINTER, 'type'),
      message: `trigger "${selected.type}" is a ${selected.kind} trigger, but only webhook triggers can start runs`,
      code: 'GRAPH_TRIGGER_KIND_UNSUPPORTED',
    });
    return;
  }
  if (trigger.config !== undefined && !isRecord(trigger.config)) {
    return;
  }
  const descriptor = {
    // A key of its own per plugin version, so config validators of node types and of other
    // versions of the trigger stay cached.
    type: `trigger:${selected.type}@${selected.plugin.version}`,
    displayName: selected.displayName,
    configSchema: selected.configSchema,
    inputs: [],
    outputs: [],
  };
  for (const problem of checkNodeConfig(descriptor, trigger.config, TRIGGER_POINTER)) {
    problems.push(problem);
  }
}

function resolveTrigger(
  type: string,
  pluginVersion: string | undefined,
  rangeValid: boolean,
  triggerTypes: TriggerTypeLookup,
  problems: GraphProblem[],
): TriggerTypeDescriptor | undefined {
  const versions = triggerTypes.triggerVersions(type);
  if (versions.length === 0) {
    problems.push({
      pointer: joinPointer(TRIGGER_POINTER, 'type'),
      message: `unknown trigger "${type}" (no installed plugin provides it)`,
      code: 'GRAPH_UNKNOWN_TRIGGER',
    });
    return undefined;
  }
  if (!rangeValid) {
    return undefined;
  }
  const selected = selectTriggerVersion(versions, pluginVersion);
  if (selected === undefined) {
    const installed = versions
      .map((version) => version.plugin.version)
      .sort((a, b) => compareVersions(b, a))
      .join(', ');
    problems.push({
      pointer: joinPointer(TRIGGER_POINTER, 'pluginVersion'),
      message: `no installed plugin version in the range "${pluginVersion}" provides trigger "${type}" (installed: ${installed})`,
      code: 'GRAPH_UNKNOWN_TRIGGER',
    });
  }
  return selected;
}
