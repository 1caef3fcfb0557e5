/**
 * Credit purchases: `GET /v1/billing/packages` lists the operator's credit packages and
 * `POST /v1/billing/checkout` creates an Asaas charge for one of them. Both reply 404
 * `BILLING_NOT_CONFIGURED` on a studio that sells no credits.
 */
import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../auth/principal.js';
import { checkout, loadBillingAccount, type CheckoutBody } from '../billing/checkout.js';
import { CHECKOUT_METHODS } from '../billing/checkout-document.js';
import { ensureTopUpGraph } from '../billing/top-up-graph.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';

/** Asaas charges are in BRL. */
const CURRENCY = 'BRL';

export async function billingRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  app.get('/v1/billing/packages', {
    schema: { tags: ['billing'], summary: 'Credit packages on sale, with the payment methods a checkout accepts' },
  }, async (request) => {
    requirePrincipal(request);
    const account = await loadBillingAccount(ctx);
    // Storing the top-up graph here too means payments of a studio restarted with a new
    // credential are credited before anyone checks out again.
    await ensureTopUpGraph(ctx, account.admin, account.credentialId);
    return {
      items: account.packages.map((item) => ({ ...item, currency: CURRENCY })),
      methods: [...CHECKOUT_METHODS],
    };
  });

  app.post('/v1/billing/checkout', {
    schema: {
      tags: ['billing'],
      summary: 'Create an Asaas charge for a credit package; the credits arrive when Asaas reports the payment',
      body: {
        type: 'object',
        required: ['packageId', 'method', 'cpfCnpj'],
        additionalProperties: false,
        properties: {
          packageId: { type: 'string', minLength: 1, maxLength: 40 },
          method: { type: 'string', enum: [...CHECKOUT_METHODS] },
          cpfCnpj: { type: 'string', minLength: 11, maxLength: 18, description: 'CPF or CNPJ of the buyer, with or without punctuation' },
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'Name on the charge; the account name when absent' },
        },
      },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const buyer = await ctx.storage.users.get(principal.userId);
    if (buyer === null) throw new StudioError('AUTH_USER_INACTIVE', 'the signed-in account no longer exists');
    const result = await checkout(ctx, buyer, request.body as CheckoutBody);
    return reply.status(201).send(result);
  });
}
