import { defineAction, p, PluginError } from '@gestorlead/sdk-plugin/plugin';
import { asaasRequest } from '../client.js';
import { asaasApi, type AsaasAccount } from '../credential.js';
import { configOrInput, requireText } from '../values.js';
import type { AsaasPayment } from './charge.js';
import { PAYMENT_ID_PATHS } from './payment-codes.js';

/** Payment statuses in which Asaas has the money or a confirmed card payment. */
export const PAID_STATUSES: readonly string[] = ['CONFIRMED', 'RECEIVED', 'RECEIVED_IN_CASH'];

/** Default credits per BRL paid. */
export const DEFAULT_CREDITS_PER_BRL = 10;

/**
 * The studio user and, for a package sold by `POST /v1/billing/checkout`, its credits, read from
 * a payment's `externalReference`: `<userId>` alone, or `<userId>:<packageId>:<credits>`.
 */
interface CreditReference {
  userId: string;
  packageId: string | null;
  credits: number | null;
}

const PACKAGE_REFERENCE = /^([^:\s]+):([a-z0-9][a-z0-9-]{0,39}):([1-9][0-9]{0,9})$/;

/** Parses an `externalReference`; returns null when it is missing or blank. */
export function parseExternalReference(externalReference: string | null | undefined): CreditReference | null {
  const text = typeof externalReference === 'string' ? externalReference.trim() : '';
  if (text === '') return null;
  const match = PACKAGE_REFERENCE.exec(text);
  if (match === null) return { userId: text, packageId: null, credits: null };
  return { userId: match[1], packageId: match[2], credits: Number(match[3]) };
}

/** Returns the whole credits a payment buys at `creditsPerBrl`; throws when it buys none. */
function creditsForValue(payment: AsaasPayment, creditsPerBrl: number): number {
  // A small epsilon keeps 19.9 × 10 at 199, which binary floating point computes as 198.99….
  const credits = Math.floor(payment.value * creditsPerBrl + 1e-9);
  if (!Number.isSafeInteger(credits) || credits < 1) {
    throw new PluginError('ASAAS_PAYMENT_TOO_SMALL', `payment ${payment.id} of R$ ${payment.value} buys no whole credit at ${creditsPerBrl} per BRL`, {
      details: { paymentId: payment.id, value: payment.value },
    });
  }
  return credits;
}

/**
 * `asaas/top-up-credits@1`: reads a payment back from Asaas and, when it is paid, adds credits
 * to the studio user named in its `externalReference`, once per payment id.
 */
export const topUpCreditsAction = defineAction({
  name: 'top-up-credits',
  version: 1,
  displayName: 'Top up credits',
  description:
    'Reads the payment from Asaas (GET /v3/payments/{id}); when it is CONFIRMED or RECEIVED, adds credits to the studio user named by its externalReference, once per payment. A reference of <userId>:<packageId>:<credits> (a studio checkout) adds those credits; a plain user id adds floor(value × creditsPerBrl). Outputs { paymentId, userId, credits, created, balance }. Only in graphs of an admin.',
  group: 'Billing',
  config: {
    paymentId: p.text({ displayName: 'Payment id', description: 'pay_…; taken from input.paymentId or the trigger event when empty.' }),
    creditsPerBrl: p.number({
      displayName: 'Credits per BRL',
      description: 'Credits added for each real paid, rounded down to whole credits, when the externalReference names no package.',
      minimum: 0.0001,
      default: DEFAULT_CREDITS_PER_BRL,
    }),
    timeoutMs: p.number({ displayName: 'Timeout (ms)', integer: true, minimum: 1, maximum: 120_000 }),
  },
  credentials: [{ slot: 'asaas', type: asaasApi, required: true }],
  async run(ctx) {
    const account = ctx.credentials.asaas as AsaasAccount;
    const paymentId = requireText(configOrInput(ctx.config as Record<string, unknown>, ctx.input, 'paymentId', PAYMENT_ID_PATHS), 'paymentId');
    // The payment is read from Asaas rather than taken from the input, so the amount and the
    // user come from the account that received the money.
    const payment = await asaasRequest<AsaasPayment>(ctx, account, {
      method: 'GET',
      path: `/payments/${encodeURIComponent(paymentId)}`,
      timeoutMs: ctx.config.timeoutMs,
    });
    if (!PAID_STATUSES.includes(payment.status)) {
      throw new PluginError('ASAAS_PAYMENT_NOT_PAID', `payment ${paymentId} has status ${payment.status}, not ${PAID_STATUSES.join(' or ')}`, {
        details: { paymentId, status: payment.status },
      });
    }
    const reference = parseExternalReference(payment.externalReference);
    if (reference === null) {
      throw new PluginError('ASAAS_PAYMENT_UNASSIGNED', `payment ${paymentId} has no externalReference naming the studio user to credit`, {
        details: { paymentId },
      });
    }
    const { userId } = reference;
    const credits = reference.credits ?? creditsForValue(payment, ctx.config.creditsPerBrl);
    const result = await ctx.credits.topUp({
      userId,
      credits,
      paymentId: payment.id,
      reason:
        reference.packageId === null
          ? `Asaas payment ${payment.id} of R$ ${payment.value.toFixed(2)}`
          : `Asaas payment ${payment.id} of R$ ${payment.value.toFixed(2)} for package ${reference.packageId}`,
    });
    ctx.log.info(result.created ? 'credits topped up' : 'payment had topped up before', { paymentId: payment.id, userId, credits });
    return { paymentId: payment.id, userId, credits, created: result.created, balance: result.balance };
  },
});
