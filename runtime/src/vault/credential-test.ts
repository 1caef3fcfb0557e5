/**
 * `POST /v1/credentials/:id/test`: runs the action a credential type names in `test.action`
 * with the credential in its slot, an empty config and no input, like a one-node run outside
 * any graph. The test passes when the action returns without an error. The action's output is
 * not returned, and its error passes the same scrubbing as a task's.
 */
import type { CredentialRecord } from '@gestorlead/storage';
import { StudioError } from '../errors.js';
import type { NodeTypeRegistry } from '../executor/node-type.js';
import { runAttempt } from '../executor/run-attempt.js';
import { newId } from '../ids.js';
import { nodeTypeName, type PluginNodeType } from '../plugins/plugin-node-type.js';
import type { CredentialTypeEntry } from './credential-types.js';

/** The outcome of a credential test. */
export type CredentialTestResult = { ok: true } | { ok: false; error: { code: string; message: string } };

/** Returns the node type that tests credentials of `entry`, or throws `CREDENTIAL_TEST_UNSUPPORTED`. */
function testNodeTypeOf(entry: CredentialTypeEntry, registry: NodeTypeRegistry): { nodeType: PluginNodeType; slot: string } {
  const actionName = entry.manifest.test?.action;
  const candidates = (entry.plugin.manifest.actions ?? [])
    .filter((action) => action.name === actionName)
    .filter((action) => (action.credentialSlots ?? []).some((slot) => slot.type === entry.manifest.name))
    .sort((a, b) => b.version - a.version);
  const action = candidates[0];
  const nodeType = action === undefined ? undefined : (registry.get(nodeTypeName(entry.plugin.name, action)) as PluginNodeType | undefined);
  if (actionName === undefined || action === undefined || nodeType === undefined) {
    throw new StudioError('CREDENTIAL_TEST_UNSUPPORTED', `credential type ${entry.type} declares no test`, {
      problems: [{ pointer: '/params/id', message: `is a ${entry.type} credential, which cannot be tested` }],
    });
  }
  const slot = (action.credentialSlots ?? []).find((candidate) => candidate.type === entry.manifest.name)!.slot;
  return { nodeType, slot };
}

/**
 * Runs the test of `credential` for its owner.
 * NOTE: a test call reserves and charges no credits, even when the test action declares a price.
 */
export async function testCredential(
  credential: CredentialRecord,
  entry: CredentialTypeEntry,
  registry: NodeTypeRegistry,
  fallbackTimeoutMs: number,
): Promise<CredentialTestResult> {
  const { nodeType, slot } = testNodeTypeOf(entry, registry);
  const timeoutMs = nodeType.limits?.timeoutMs ?? fallbackTimeoutMs;
  // A test has no graph document and no run. So the context carries the slot's credential id
  // and the owner itself, and the plugin host reads them from there.
  const context = {
    runId: newId('credtest'),
    graphId: '',
    taskId: newId('task'),
    nodeId: 'credential-test',
    attempt: 1,
    config: {},
    input: {},
    deliveries: [],
    runInput: null,
    log: () => {},
    respond: () => {},
    credentials: { [slot]: credential.id },
    ownerId: credential.ownerId,
  };
  const outcome = await runAttempt(nodeType, context, timeoutMs, new AbortController().signal);
  if (outcome.ok) return { ok: true };
  return { ok: false, error: { code: outcome.error.code, message: outcome.error.message } };
}
