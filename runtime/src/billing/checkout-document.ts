/**
 * The graph document of a billing checkout run: find or create the buyer's Asaas customer,
 * create the charge, and for PIX read its QR code. The run stores only the checkout request as
 * its input, and any process rebuilds the document from it, as for playground tasks.
 */
import type { GraphDocument, GraphEdge, GraphNode } from '@gestorlead/sdk-plugin';
import type { RunRecord } from '@gestorlead/storage';

/** The `graphId` of every checkout run. No stored graph has this id. */
export const CHECKOUT_GRAPH_ID = 'billing-checkout';
/** The version number checkout runs carry. */
export const CHECKOUT_VERSION = 1;

/** Payment methods a checkout accepts, as Asaas names its billing types. */
export const CHECKOUT_METHODS = ['PIX', 'BOLETO', 'CREDIT_CARD'] as const;
export type CheckoutMethod = (typeof CHECKOUT_METHODS)[number];

/** The input of a checkout run: everything its document is built from. */
export interface CheckoutRequest {
  credentialId: string;
  userId: string;
  packageId: string;
  method: CheckoutMethod;
  /** The buyer's CPF or CNPJ, digits only. */
  cpfCnpj: string;
  name: string;
  email: string;
  /** Charge amount in BRL. */
  value: number;
  /** `YYYY-MM-DD`. */
  dueDate: string;
  description: string;
  externalReference: string;
}

/** Node ids of the checkout document, which name the run's outputs. */
export const CHECKOUT_NODES = { customer: 'customer', charge: 'charge', pix: 'pix' } as const;

function asaasNode(id: string, type: string, x: number, config: Record<string, unknown>, credentialId: string): GraphNode {
  return { id, type, position: { x, y: 0 }, config, credentials: { asaas: credentialId } };
}

/** Builds the document that a checkout run executes. */
export function checkoutDocument(request: CheckoutRequest): GraphDocument {
  const { credentialId } = request;
  const nodes: GraphNode[] = [
    asaasNode(
      CHECKOUT_NODES.customer,
      'asaas/customer@1',
      0,
      { cpfCnpj: request.cpfCnpj, name: request.name, email: request.email, externalReference: request.userId },
      credentialId,
    ),
    asaasNode(
      CHECKOUT_NODES.charge,
      'asaas/create-charge@1',
      240,
      {
        billingType: request.method,
        value: request.value,
        dueDate: request.dueDate,
        description: request.description,
        externalReference: request.externalReference,
      },
      credentialId,
    ),
  ];
  const edges: GraphEdge[] = [{ id: 'customer-charge', source: CHECKOUT_NODES.customer, sourcePort: 'out', target: CHECKOUT_NODES.charge, targetPort: 'in' }];
  if (request.method === 'PIX') {
    nodes.push(asaasNode(CHECKOUT_NODES.pix, 'asaas/pix-qr-code@1', 480, { storeImage: true }, credentialId));
    edges.push({ id: 'charge-pix', source: CHECKOUT_NODES.charge, sourcePort: 'out', target: CHECKOUT_NODES.pix, targetPort: 'in' });
  }
  return { id: CHECKOUT_GRAPH_ID, name: `Credit checkout of ${request.packageId}`, nodes, edges };
}

/** Returns the document of a checkout run, or null when its input is not a checkout request. */
export function checkoutDocumentOf(run: Pick<RunRecord, 'input'>): GraphDocument | null {
  const input = run.input as Partial<CheckoutRequest> | null;
  if (input === null || typeof input !== 'object') return null;
  if (typeof input.credentialId !== 'string' || !CHECKOUT_METHODS.includes(input.method as CheckoutMethod)) return null;
  return checkoutDocument(input as CheckoutRequest);
}
