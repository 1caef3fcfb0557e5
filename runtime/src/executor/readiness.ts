import type { GraphEdge } from '@gestorlead/sdk-plugin';
import type { ErrorData, TaskStatus } from '@gestorlead/storage';
import type { EdgeDelivery } from './node-type.js';
import type { PlanNode } from './run-plan.js';

/** State the executor tracks for one node during a run. */
export interface NodeState {
  status: TaskStatus | undefined;
  output: Record<string, unknown> | null;
  error: ErrorData | null;
}

/** `pending` until the source ends; then `delivered` or `dead` (inactive port, skip, failure). */
export type EdgeState = 'pending' | 'delivered' | 'dead';

/** What the scheduler decides for a node that has not started. */
export type Readiness = 'wait' | 'ready' | 'skip';

const UNSTARTED: NodeState = { status: undefined, output: null, error: null };

/** Resolves one edge from the state of its source node. */
export function edgeState(edge: GraphEdge, source: NodeState): EdgeState {
  switch (source.status) {
    case 'COMPLETED':
      if (edge.kind === 'error') return 'dead';
      return source.output !== null && Object.hasOwn(source.output, edge.sourcePort) ? 'delivered' : 'dead';
    case 'FAILED':
      return edge.kind === 'error' ? 'delivered' : 'dead';
    case 'SKIPPED':
    case 'CANCELLED':
      return 'dead';
    default:
      return 'pending';
  }
}

/**
 * Decides whether a node can start. Join `all` waits for every incoming edge and runs when at
 * least one delivered (a skipped branch counts as resolved); join `any` runs on the first
 * delivery. A node none of whose edges can deliver is skipped.
 */
export function evaluateReadiness(planNode: PlanNode, states: Map<string, NodeState>): Readiness {
  if (planNode.incoming.length === 0) return 'ready';
  let pending = 0;
  let delivered = 0;
  for (const edge of planNode.incoming) {
    const state = edgeState(edge, states.get(edge.source) ?? UNSTARTED);
    if (state === 'pending') pending += 1;
    else if (state === 'delivered') delivered += 1;
  }
  if (planNode.node.join === 'any') {
    if (delivered > 0) return 'ready';
    return pending > 0 ? 'wait' : 'skip';
  }
  if (pending > 0) return 'wait';
  return delivered > 0 ? 'ready' : 'skip';
}

/** Collects the values delivered to a node, in edge order. */
export function collectDeliveries(
  planNode: PlanNode,
  states: Map<string, NodeState>,
): EdgeDelivery[] {
  const deliveries: EdgeDelivery[] = [];
  for (const edge of planNode.incoming) {
    const source = states.get(edge.source) ?? UNSTARTED;
    if (edgeState(edge, source) !== 'delivered') continue;
    const kind = edge.kind ?? 'main';
    const value =
      kind === 'error' ? { ...source.error, nodeId: edge.source } : source.output?.[edge.sourcePort];
    deliveries.push({
      edgeId: edge.id,
      source: edge.source,
      sourcePort: edge.sourcePort,
      targetPort: edge.targetPort,
      kind,
      value,
    });
  }
  return deliveries;
}

/** Folds deliveries into values by input port; the last delivery to a port wins. */
export function inputByPort(deliveries: EdgeDelivery[]): Record<string, unknown> {
  // Port names are user data, so a null prototype keeps `__proto__` and `toString` ordinary keys.
  const input: Record<string, unknown> = Object.create(null);
  for (const delivery of deliveries) input[delivery.targetPort] = delivery.value;
  return input;
}
