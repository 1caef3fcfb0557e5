/**
 * The top-up graph: a published graph of the billing admin that Asaas calls for payment events.
 * Its `asaas/payment-events` trigger checks the `asaas-access-token` header against the billing
 * credential's webhook token, and `asaas/top-up-credits@1` adds the package's credits to the buyer
 * once per payment. The studio stores it under a fixed id, so its webhook URL
 * (`/hooks/graph_billing_top_ups`) stays the same across restarts and credential changes.
 */
import { validateGraph, type GraphDocument } from '@gestorlead/sdk-plugin';
import { StorageConflictError, type UserRecord } from '@gestorlead/storage';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';

/** Id of the top-up graph. Asaas posts payment events to `/hooks/<id>`. */
export const TOP_UP_GRAPH_ID = 'graph_billing_top_ups';

/** Time the sync webhook waits for the top-up before it replies 202 with the run id, in ms. */
const TOP_UP_SYNC_TIMEOUT_MS = 20_000;

/**
 * Error codes of a top-up that no repeated delivery of the payment event can fix. The webhook
 * replies 200 to them, and the run stays failed with the code. Asaas pauses a webhook's queue
 * after 15 failed deliveries in a row, so retrying these would stop every later top-up.
 * Other failures, such as Asaas or the store being unreachable, a sandbox crash or a billing
 * admin that lost its rights, still get 500, and Asaas delivers the event again.
 */
export const TOP_UP_PERMANENT_ERRORS: readonly string[] = [
  // The payment read back from Asaas is not paid, has no externalReference, or buys no credit.
  'ASAAS_PAYMENT_NOT_PAID',
  'ASAAS_PAYMENT_UNASSIGNED',
  'ASAAS_PAYMENT_TOO_SMALL',
  // The event names a payment that the billing account does not have.
  'ASAAS_NOT_FOUND',
  // The externalReference names no studio user, or is malformed.
  'PLUGIN_CREDITS_INVALID',
  // The payment id topped up before with another user or amount.
  'CREDITS_IDEMPOTENCY_CONFLICT',
];

/** Builds the top-up graph's document for the billing credential. */
export function topUpDocument(credentialId: string): GraphDocument {
  return {
    id: TOP_UP_GRAPH_ID,
    name: 'Asaas credit top-ups',
    description:
      'Adds the credits of a paid package to its buyer. Register /hooks/graph_billing_top_ups as the Asaas webhook, with the credential’s webhook token as its authentication token.',
    nodes: [
      { id: 'topup', type: 'asaas/top-up-credits@1', position: { x: 0, y: 0 }, config: {}, credentials: { asaas: credentialId } },
      { id: 'respond', type: 'core/respond@1', position: { x: 260, y: 0 }, config: { status: 200, body: { received: true } } },
    ],
    edges: [{ id: 'topup-respond', source: 'topup', sourcePort: 'out', target: 'respond', targetPort: 'in' }],
    settings: {
      trigger: {
        type: 'asaas/payment-events',
        config: { events: ['PAYMENT_CONFIRMED', 'PAYMENT_RECEIVED'] },
        credentials: { asaas: credentialId },
      },
      // Asaas counts only a 200 reply as delivered, and the async mode replies 202.
      webhook: { mode: 'sync', syncTimeoutMs: TOP_UP_SYNC_TIMEOUT_MS, acknowledgeErrorCodes: [...TOP_UP_PERMANENT_ERRORS] },
    },
  };
}

function sameDocument(left: GraphDocument, right: GraphDocument): boolean {
  const shape = (document: GraphDocument) => JSON.stringify([document.nodes, document.edges, document.settings, document.description]);
  return shape(left) === shape(right);
}

async function createTopUpGraph(ctx: StudioContext, admin: UserRecord, document: GraphDocument): Promise<void> {
  try {
    await ctx.storage.graphs.create(TOP_UP_GRAPH_ID, { ...document, version: 1 }, { ownerId: admin.id });
  } catch (error) {
    // Another process stored it first; the caller's next call compares that one.
    if (error instanceof StorageConflictError) return;
    throw error;
  }
  await ctx.storage.graphs.publish(TOP_UP_GRAPH_ID, 1);
  ctx.log.info({ graphId: TOP_UP_GRAPH_ID, ownerId: admin.id }, 'billing top-up graph stored');
}

/**
 * Stores and publishes the top-up graph for `admin` and `credentialId`, or publishes a new
 * version when the stored one uses another credential. Throws `BILLING_NOT_CONFIGURED` when the
 * graph belongs to another user, because the studio cannot move a graph to a new owner.
 */
export async function ensureTopUpGraph(ctx: StudioContext, admin: UserRecord, credentialId: string): Promise<void> {
  const document = topUpDocument(credentialId);
  const checked = validateGraph(document, { nodeTypes: ctx.plugins.nodeTypesFor(admin.id) });
  if (!checked.ok) {
    const problems = checked.problems.slice(0, 5);
    ctx.log.error({ graphId: TOP_UP_GRAPH_ID, problems }, 'billing top-up graph is invalid');
    throw new StudioError('BILLING_NOT_CONFIGURED', `the billing top-up graph is invalid: ${problems[0]?.pointer} ${problems[0]?.message}; is the asaas plugin installed?`);
  }

  const graph = await ctx.storage.graphs.get(TOP_UP_GRAPH_ID);
  if (graph === null) {
    await createTopUpGraph(ctx, admin, document);
    ctx.graphs.invalidate(TOP_UP_GRAPH_ID);
    return;
  }
  if (graph.ownerId !== admin.id) {
    throw new StudioError(
      'BILLING_NOT_CONFIGURED',
      `the billing top-up graph ${TOP_UP_GRAPH_ID} belongs to another user than the owner of BILLING_ASAAS_CREDENTIAL_ID; delete the graph or use a credential of its owner`,
    );
  }
  const published = graph.publishedVersion === null ? null : await ctx.storage.graphs.getVersion(TOP_UP_GRAPH_ID, graph.publishedVersion);
  if (published !== null && sameDocument(published.document, document)) return;

  const draft = await ctx.storage.graphs.saveDraft(TOP_UP_GRAPH_ID, { ...document, version: graph.latestVersion });
  if (draft === null) return;
  await ctx.storage.graphs.publish(TOP_UP_GRAPH_ID, draft.version);
  ctx.graphs.invalidate(TOP_UP_GRAPH_ID);
  ctx.log.info({ graphId: TOP_UP_GRAPH_ID, version: draft.version }, 'billing top-up graph published');
}
