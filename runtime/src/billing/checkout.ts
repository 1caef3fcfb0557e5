/**
 * Credit checkout. `POST /v1/billing/checkout` runs the Asaas plugin's customer, charge and PIX
 * actions as one run of the billing admin, through the executor and sandbox like any run. It
 * returns the invoice URL and, for PIX, the copy-and-paste code and QR image. The charge's
 * `externalReference` is `<userId>:<packageId>:<credits>`, which the top-up graph reads back
 * from Asaas when the payment lands.
 */
import type { RunRecord, UserRecord } from '@gestorlead/storage';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { newRunId } from '../executor/executor.js';
import { CHECKOUT_GRAPH_ID, CHECKOUT_NODES, CHECKOUT_VERSION, type CheckoutMethod, type CheckoutRequest } from './checkout-document.js';
import type { BillingPackage } from './settings.js';
import { ensureTopUpGraph } from './top-up-graph.js';

/** The body of `POST /v1/billing/checkout` after the route's schema accepted it. */
export interface CheckoutBody {
  packageId: string;
  method: CheckoutMethod;
  cpfCnpj: string;
  name?: string;
}

/** The created charge: its invoice page and, for PIX, the copy-and-paste code and QR image. */
export interface CheckoutResult {
  runId: string;
  paymentId: string;
  status: string;
  method: CheckoutMethod;
  packageId: string;
  credits: number;
  /** Amount in BRL. */
  value: number;
  dueDate: string;
  invoiceUrl: string | null;
  bankSlipUrl: string | null;
  pix: { payload: string; expirationDate: string | null; image: string | null } | null;
}

/** The admin and credential that sell credits, with the packages on sale. */
export interface BillingAccount {
  admin: UserRecord;
  credentialId: string;
  packages: BillingPackage[];
}

/** Days until a charge is due, which is the last day Asaas accepts its PIX or boleto payment. */
const DUE_IN_DAYS = 3;
/** Time the request waits for the three Asaas calls, which time out after 30 s each by default. */
const CHECKOUT_TIMEOUT_MS = 95_000;
const CREDENTIAL_TYPE = 'asaas/asaasApi';

function notConfigured(reason: string): StudioError {
  return new StudioError('BILLING_NOT_CONFIGURED', `billing is not configured on this studio: ${reason}`);
}

/**
 * Reads the billing settings and checks that the credential is an Asaas credential of an active
 * admin. Throws `BILLING_NOT_CONFIGURED` otherwise, and logs the operator's mistake.
 */
export async function loadBillingAccount(ctx: StudioContext): Promise<BillingAccount> {
  const { packages, credentialId } = ctx.config.billing;
  if (packages.length === 0 || credentialId === null) {
    throw notConfigured('BILLING_PACKAGES or BILLING_ASAAS_CREDENTIAL_ID is unset; ask the operator to set both');
  }
  const credential = await ctx.storage.credentials.get(credentialId);
  if (credential === null || credential.type !== CREDENTIAL_TYPE) {
    ctx.log.error({ credentialId }, 'BILLING_ASAAS_CREDENTIAL_ID names no asaas/asaasApi credential');
    throw notConfigured(`BILLING_ASAAS_CREDENTIAL_ID names no ${CREDENTIAL_TYPE} credential`);
  }
  const admin = await ctx.storage.users.get(credential.ownerId);
  if (admin === null || !admin.active || !admin.admin) {
    ctx.log.error({ credentialId, ownerId: credential.ownerId }, 'the owner of BILLING_ASAAS_CREDENTIAL_ID is not an active admin');
    throw notConfigured('the owner of BILLING_ASAAS_CREDENTIAL_ID is not an active admin');
  }
  return { admin, credentialId, packages };
}

/** Returns the package with `packageId`; throws `BILLING_PACKAGE_UNKNOWN` naming `/body/packageId`. */
export function findPackage(packages: BillingPackage[], packageId: string): BillingPackage {
  const found = packages.find((item) => item.id === packageId);
  if (found !== undefined) return found;
  const ids = packages.map((item) => item.id);
  throw new StudioError('BILLING_PACKAGE_UNKNOWN', `no credit package has the id "${packageId}"; use one of: ${ids.join(', ')}`, {
    problems: [{ pointer: '/body/packageId', message: `must be one of: ${ids.join(', ')}` }],
    details: { packageIds: ids },
  });
}

/** Returns the CPF (11 digits) or CNPJ (14 digits) without punctuation; throws naming `/body/cpfCnpj`. */
export function normalizeCpfCnpj(value: string): string {
  const digits = value.replace(/[.\-/\s]/g, '');
  if (/^(?:\d{11}|\d{14})$/.test(digits)) return digits;
  throw new StudioError('REQUEST_INVALID', 'cpfCnpj must be a CPF of 11 digits or a CNPJ of 14 digits, with or without punctuation', {
    problems: [{ pointer: '/body/cpfCnpj', message: 'must have 11 (CPF) or 14 (CNPJ) digits' }],
  });
}

function dueDate(now: Date): string {
  return new Date(now.getTime() + DUE_IN_DAYS * 86_400_000).toISOString().slice(0, 10);
}

function checkoutRequest(account: BillingAccount, buyer: UserRecord, item: BillingPackage, body: CheckoutBody): CheckoutRequest {
  return {
    credentialId: account.credentialId,
    userId: buyer.id,
    packageId: item.id,
    method: body.method,
    cpfCnpj: normalizeCpfCnpj(body.cpfCnpj),
    name: body.name?.trim() || buyer.fullName,
    email: buyer.email,
    value: item.priceCents / 100,
    dueDate: dueDate(new Date()),
    description: `${item.displayName}: ${item.credits} credits`,
    externalReference: `${buyer.id}:${item.id}:${item.credits}`,
  };
}

/** Runs the checkout document and returns the finished run; throws when it failed or timed out. */
async function runCheckout(ctx: StudioContext, account: BillingAccount, request: CheckoutRequest): Promise<RunRecord> {
  const runId = newRunId();
  const waiter = ctx.executor.waitForReply(runId, CHECKOUT_TIMEOUT_MS);
  try {
    await ctx.executor.createRun({
      id: runId,
      graphId: CHECKOUT_GRAPH_ID,
      version: CHECKOUT_VERSION,
      input: request,
      trigger: 'billing',
      ownerId: account.admin.id,
    });
  } catch (error) {
    waiter.cancel();
    throw error;
  }
  // NOTE: the reply reaches this process only when it executes the run, as with sync webhooks.
  const outcome = await waiter.reply;
  if (outcome.kind !== 'finished') {
    throw new StudioError('BILLING_CHECKOUT_TIMEOUT', `the checkout run ${runId} did not finish within ${CHECKOUT_TIMEOUT_MS} ms; the charge may exist in Asaas`, {
      details: { runId },
    });
  }
  const { run } = outcome;
  if (run.status === 'succeeded') return run;
  ctx.log.warn({ runId, userId: request.userId, packageId: request.packageId, error: run.error }, 'billing checkout failed');
  throw new StudioError('BILLING_CHECKOUT_FAILED', `the checkout run ${run.id} failed: ${run.error?.message ?? run.status}`, {
    details: { runId, code: run.error?.code ?? null },
  });
}

/** Reads a stored PNG as a data URL, or returns null when it is missing. */
async function imageDataUrl(ctx: StudioContext, image: unknown): Promise<string | null> {
  const artifactId = (image as { id?: unknown } | null)?.id;
  if (typeof artifactId !== 'string') return null;
  const record = await ctx.artifacts.get(artifactId);
  const stream = record === null ? null : await ctx.artifacts.blobs.open(record.storageKey);
  if (record === null || stream === null) {
    ctx.log.error({ artifactId }, 'PIX QR image missing from the blob store');
    return null;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return `data:${record.contentType};base64,${Buffer.concat(chunks).toString('base64')}`;
}

type NodeOutputs = Record<string, Record<string, unknown> | undefined>;

/** Reads the output of each completed task of a run by node id; a run's own output has only its last nodes. */
async function nodeOutputs(ctx: StudioContext, runId: string): Promise<NodeOutputs> {
  const outputs: NodeOutputs = {};
  for (const task of await ctx.storage.tasks.listByRun(runId)) {
    const ports = (task.output ?? {}) as Record<string, Record<string, unknown> | undefined>;
    if (task.status === 'COMPLETED') outputs[task.nodeId] = ports.out;
  }
  return outputs;
}

/**
 * Creates the buyer's charge for a package. The top-up graph is stored first, so the webhook
 * of the payment finds it.
 */
export async function checkout(ctx: StudioContext, buyer: UserRecord, body: CheckoutBody): Promise<CheckoutResult> {
  const account = await loadBillingAccount(ctx);
  const item = findPackage(account.packages, body.packageId);
  const request = checkoutRequest(account, buyer, item, body);
  await ensureTopUpGraph(ctx, account.admin, account.credentialId);

  const run = await runCheckout(ctx, account, request);
  const outputs = await nodeOutputs(ctx, run.id);
  const charge = outputs[CHECKOUT_NODES.charge] ?? {};
  const pix = outputs[CHECKOUT_NODES.pix];
  ctx.log.info({ runId: run.id, userId: buyer.id, packageId: item.id, paymentId: charge.paymentId }, 'billing charge created');
  return {
    runId: run.id,
    paymentId: String(charge.paymentId),
    status: String(charge.status),
    method: body.method,
    packageId: item.id,
    credits: item.credits,
    value: request.value,
    dueDate: String(charge.dueDate ?? request.dueDate),
    invoiceUrl: (charge.invoiceUrl as string | null | undefined) ?? null,
    bankSlipUrl: (charge.bankSlipUrl as string | null | undefined) ?? null,
    pix:
      pix === undefined
        ? null
        : {
            payload: String(pix.payload),
            expirationDate: (pix.expirationDate as string | null | undefined) ?? null,
            image: await imageDataUrl(ctx, pix.image),
          },
  };
}
