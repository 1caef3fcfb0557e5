/**
 * The Asaas plugin: customers, charges, PIX and boleto codes, payment webhooks, and credit
 * top-ups for confirmed payments. It reaches only the two Asaas API hosts, and requests
 * `ctx.credits.topUp`, which the studio grants to shared versions in graphs of an admin.
 */
import { definePlugin } from '@gestorlead/sdk-plugin/plugin';
import { createChargeAction } from './actions/charge.js';
import { customerAction } from './actions/customer.js';
import { boletoLineAction, pixQrCodeAction } from './actions/payment-codes.js';
import { topUpCreditsAction } from './actions/top-up.js';
import { asaasApi } from './credential.js';
import { paymentEventsTrigger } from './trigger.js';

export default definePlugin({
  name: 'asaas',
  version: '0.1.0',
  runtime: '^0.1.0',
  displayName: 'Asaas',
  description: 'Asaas billing: customers, PIX, boleto and card charges, payment webhooks and credit top-ups.',
  permissions: { hosts: ['api.asaas.com', 'api-sandbox.asaas.com'], topUpCredits: true },
  credentialTypes: [asaasApi],
  actions: [customerAction, createChargeAction, pixQrCodeAction, boletoLineAction, topUpCreditsAction],
  triggers: [paymentEventsTrigger],
});
