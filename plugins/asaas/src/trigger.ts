import { defineTrigger, p, timingSafeEqual } from '@gestorlead/sdk-plugin/plugin';
import { asaasApi, type AsaasAccount } from './credential.js';

/** Payment events of Asaas webhooks (API v3). */
export const PAYMENT_EVENTS = [
  'PAYMENT_CREATED',
  'PAYMENT_AWAITING_RISK_ANALYSIS',
  'PAYMENT_APPROVED_BY_RISK_ANALYSIS',
  'PAYMENT_REPROVED_BY_RISK_ANALYSIS',
  'PAYMENT_AUTHORIZED',
  'PAYMENT_UPDATED',
  'PAYMENT_CONFIRMED',
  'PAYMENT_RECEIVED',
  'PAYMENT_CREDIT_CARD_CAPTURE_REFUSED',
  'PAYMENT_ANTICIPATED',
  'PAYMENT_OVERDUE',
  'PAYMENT_DELETED',
  'PAYMENT_RESTORED',
  'PAYMENT_REFUNDED',
  'PAYMENT_PARTIALLY_REFUNDED',
  'PAYMENT_REFUND_IN_PROGRESS',
  'PAYMENT_RECEIVED_IN_CASH_UNDONE',
  'PAYMENT_CHARGEBACK_REQUESTED',
  'PAYMENT_CHARGEBACK_DISPUTE',
  'PAYMENT_AWAITING_CHARGEBACK_REVERSAL',
  'PAYMENT_DUNNING_RECEIVED',
  'PAYMENT_DUNNING_REQUESTED',
  'PAYMENT_BANK_SLIP_VIEWED',
  'PAYMENT_CHECKOUT_VIEWED',
] as const;

interface WebhookBody {
  id?: unknown;
  event?: unknown;
  dateCreated?: unknown;
  payment?: Record<string, unknown> | null;
}

/**
 * `asaas/payment-events`: Asaas payment webhooks. A delivery is authentic when its
 * `asaas-access-token` header equals the credential's webhook token.
 */
export const paymentEventsTrigger = defineTrigger({
  name: 'payment-events',
  displayName: 'Asaas payment events',
  description:
    'Starts a run for each Asaas payment event among `events`. The event is { eventId, event, paymentId, status, value, billingType, customer, externalReference, payment }.',
  kind: 'webhook',
  config: {
    events: p.array(p.select({ displayName: 'Event', options: [...PAYMENT_EVENTS] }), {
      displayName: 'Events',
      description: 'Events that start a run. Other events get a 200 reply and start nothing.',
      default: ['PAYMENT_CONFIRMED', 'PAYMENT_RECEIVED'],
    }),
  },
  credentials: [{ slot: 'asaas', type: asaasApi, required: true }],
  verify(ctx) {
    const expected = (ctx.credentials.asaas as AsaasAccount | undefined)?.webhookToken;
    const received = ctx.request.headers['asaas-access-token'];
    if (typeof expected !== 'string' || expected === '' || typeof received !== 'string') return false;
    return timingSafeEqual(received, expected);
  },
  parse(ctx) {
    const body = ctx.request.body as WebhookBody | null;
    if (body === null || typeof body !== 'object' || typeof body.event !== 'string') return null;
    if (!(ctx.config.events as string[]).includes(body.event)) return null;
    const payment = body.payment !== null && typeof body.payment === 'object' ? body.payment : null;
    if (payment === null || typeof payment.id !== 'string') return null;
    return {
      eventId: typeof body.id === 'string' ? body.id : null,
      event: body.event,
      paymentId: payment.id,
      status: payment.status ?? null,
      value: payment.value ?? null,
      billingType: payment.billingType ?? null,
      customer: payment.customer ?? null,
      externalReference: payment.externalReference ?? null,
      payment,
    };
  },
});
