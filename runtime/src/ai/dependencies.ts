import type { Storage } from '@gestorlead/storage';
import type { CreditService } from '../credits/credit-service.js';
import type { EventBus } from '../events/event-bus.js';
import type { NodeContext, NodeTypeRegistry } from '../executor/node-type.js';
import type { StudioMetrics } from '../metrics.js';
import type { CredentialResolver } from '../plugins/credentials.js';
import { runDocumentOf } from '../tasks/run-document.js';
import type { AiSettings } from './settings.js';

/** Studio services the AI node types use when they execute. */
export interface AiNodeDependencies {
  settings: AiSettings;
  storage: Storage;
  /** Resolves the credential a node picks in its `model` slot. */
  credentials: CredentialResolver;
  /** Records provider latency (`ai_provider_request_duration_seconds`). */
  metrics: Pick<StudioMetrics, 'aiRequestDuration'>;
  /** Publishes the events of an agent's tool tasks into the run's stream. */
  events: EventBus;
  /** Charges an agent's tool tasks; absent in a studio that charges nothing. */
  credits?: CreditService;
  /** The node types a user may use, among them the plugin actions an agent calls as tools. */
  nodeTypesFor(ownerId: string | null): NodeTypeRegistry;
  /** Timeout of a tool task whose action sets none, in milliseconds. */
  taskTimeoutMs: number;
}

/** The run a node belongs to, as the AI nodes read it: its owner, graph and the node's credentials. */
export interface NodeRunInfo {
  ownerId: string | null;
  graphId: string;
  /** Credential ids the node picks per slot in its graph document. */
  credentials: Record<string, string>;
}

/** Reads the run's owner and the node's credential choice from storage. */
export async function runInfoOf(storage: Storage, ctx: NodeContext): Promise<NodeRunInfo> {
  const run = await storage.runs.get(ctx.runId);
  if (run === null) return { ownerId: null, graphId: ctx.graphId, credentials: {} };
  const document = await runDocumentOf(storage, run);
  const node = document?.nodes.find((candidate) => candidate.id === ctx.nodeId);
  return { ownerId: run.ownerId, graphId: run.graphId, credentials: node?.credentials ?? {} };
}
