import { defineAction, p } from '@gestorlead/sdk-plugin/plugin';
import { asaasRequest } from '../client.js';
import { asaasApi, type AsaasAccount } from '../credential.js';
import { configOrInput, requireText } from '../values.js';

/** A customer as Asaas returns it (the fields this plugin reads). */
interface AsaasCustomer {
  id: string;
  name: string;
  cpfCnpj?: string;
  email?: string | null;
  externalReference?: string | null;
}

interface CustomerList {
  data?: AsaasCustomer[];
  totalCount?: number;
}

/** Fields of a new customer that may come from config or input, as Asaas names them. */
const OPTIONAL_FIELDS = ['email', 'mobilePhone', 'phone', 'postalCode', 'addressNumber', 'externalReference'] as const;

/** `asaas/customer@1`: finds the customer of a CPF or CNPJ, or creates it. */
export const customerAction = defineAction({
  name: 'customer',
  version: 1,
  displayName: 'Find or create customer',
  description:
    'Finds the Asaas customer with the CPF or CNPJ (GET /v3/customers?cpfCnpj=) or creates it (POST /v3/customers). Outputs { customerId, created, customer }.',
  group: 'Billing',
  config: {
    cpfCnpj: p.text({ displayName: 'CPF or CNPJ', description: 'Digits only; taken from input.cpfCnpj when empty.' }),
    name: p.text({ displayName: 'Name', description: 'Needed to create a customer; taken from input.name when empty.' }),
    email: p.text({ displayName: 'Email' }),
    mobilePhone: p.text({ displayName: 'Mobile phone' }),
    phone: p.text({ displayName: 'Phone' }),
    postalCode: p.text({ displayName: 'Postal code (CEP)' }),
    addressNumber: p.text({ displayName: 'Address number' }),
    externalReference: p.text({ displayName: 'External reference', description: 'Your id of the customer, such as a studio user id.' }),
    timeoutMs: p.number({ displayName: 'Timeout (ms)', integer: true, minimum: 1, maximum: 120_000 }),
  },
  credentials: [{ slot: 'asaas', type: asaasApi, required: true }],
  async run(ctx) {
    const account = ctx.credentials.asaas as AsaasAccount;
    const config = ctx.config as Record<string, unknown>;
    const cpfCnpj = requireText(configOrInput(config, ctx.input, 'cpfCnpj'), 'cpfCnpj').replace(/[^0-9]/g, '');
    const timeoutMs = ctx.config.timeoutMs;

    const found = await asaasRequest<CustomerList>(ctx, account, { method: 'GET', path: '/customers', query: { cpfCnpj }, timeoutMs });
    const existing = found.data?.find((customer) => customer && typeof customer.id === 'string');
    if (existing !== undefined) {
      ctx.log.info('found Asaas customer', { customerId: existing.id });
      return { customerId: existing.id, created: false, customer: existing };
    }

    const body: Record<string, unknown> = { name: requireText(configOrInput(config, ctx.input, 'name'), 'name'), cpfCnpj };
    for (const field of OPTIONAL_FIELDS) {
      const value = configOrInput(config, ctx.input, field);
      if (value !== undefined) body[field] = String(value);
    }
    const created = await asaasRequest<AsaasCustomer>(ctx, account, { method: 'POST', path: '/customers', body, timeoutMs });
    ctx.log.info('created Asaas customer', { customerId: created.id });
    return { customerId: created.id, created: true, customer: created };
  },
});
