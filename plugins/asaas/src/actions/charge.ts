import { defineAction, p, PluginError } from '@gestorlead/sdk-plugin/plugin';
import { asaasRequest } from '../client.js';
import { asaasApi, type AsaasAccount } from '../credential.js';
import { configOrInput, requireText } from '../values.js';

const DUE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A payment (charge) as Asaas returns it; the fields this plugin reads. */
export interface AsaasPayment {
  id: string;
  customer: string;
  status: string;
  billingType: string;
  value: number;
  netValue?: number;
  dueDate: string;
  externalReference?: string | null;
  invoiceUrl?: string | null;
  bankSlipUrl?: string | null;
  description?: string | null;
}

/** Returns the output fields of a payment that the charge actions share. */
export function paymentSummary(payment: AsaasPayment) {
  return {
    paymentId: payment.id,
    status: payment.status,
    billingType: payment.billingType,
    value: payment.value,
    dueDate: payment.dueDate,
    externalReference: payment.externalReference ?? null,
    invoiceUrl: payment.invoiceUrl ?? null,
    bankSlipUrl: payment.bankSlipUrl ?? null,
  };
}

function chargeValue(value: unknown): number {
  const amount = typeof value === 'string' ? Number(value) : value;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
    throw new PluginError('ASAAS_INPUT_INVALID', `value must be an amount in BRL above 0, got ${JSON.stringify(value)}`);
  }
  return Math.round(amount * 100) / 100;
}

/** `asaas/create-charge@1`: creates a PIX, boleto or credit card charge. */
export const createChargeAction = defineAction({
  name: 'create-charge',
  version: 1,
  displayName: 'Create charge',
  description:
    'Creates an Asaas charge (POST /v3/payments). Outputs { paymentId, status, billingType, value, dueDate, externalReference, invoiceUrl, bankSlipUrl, payment }.',
  group: 'Billing',
  config: {
    customerId: p.text({ displayName: 'Customer id', description: 'cus_…; taken from input.customerId when empty.' }),
    billingType: p.select({ displayName: 'Billing type', options: ['PIX', 'BOLETO', 'CREDIT_CARD', 'UNDEFINED'], default: 'PIX' }),
    value: p.number({ displayName: 'Value (BRL)', minimum: 0.01, description: 'Taken from input.value when empty.' }),
    dueDate: p.text({ displayName: 'Due date', placeholder: 'YYYY-MM-DD', description: 'Taken from input.dueDate when empty.' }),
    description: p.text({ displayName: 'Description' }),
    externalReference: p.text({
      displayName: 'External reference',
      description: 'Your id of the charge. For credit top-ups, the studio user id to credit.',
    }),
    timeoutMs: p.number({ displayName: 'Timeout (ms)', integer: true, minimum: 1, maximum: 120_000 }),
  },
  credentials: [{ slot: 'asaas', type: asaasApi, required: true }],
  async run(ctx) {
    const account = ctx.credentials.asaas as AsaasAccount;
    const config = ctx.config as Record<string, unknown>;
    const dueDate = requireText(configOrInput(config, ctx.input, 'dueDate'), 'dueDate');
    if (!DUE_DATE.test(dueDate)) {
      throw new PluginError('ASAAS_INPUT_INVALID', `dueDate must be a date as YYYY-MM-DD, got "${dueDate.slice(0, 40)}"`);
    }
    const body: Record<string, unknown> = {
      customer: requireText(configOrInput(config, ctx.input, 'customerId'), 'customerId'),
      billingType: ctx.config.billingType,
      value: chargeValue(configOrInput(config, ctx.input, 'value')),
      dueDate,
    };
    for (const field of ['description', 'externalReference'] as const) {
      const value = configOrInput(config, ctx.input, field);
      if (value !== undefined) body[field] = String(value);
    }
    const payment = await asaasRequest<AsaasPayment>(ctx, account, { method: 'POST', path: '/payments', body, timeoutMs: ctx.config.timeoutMs });
    ctx.log.info('created Asaas charge', { paymentId: payment.id, billingType: payment.billingType });
    return { ...paymentSummary(payment), payment };
  },
});
