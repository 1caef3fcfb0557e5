import { defineAction, p } from '@gestorlead/sdk-plugin/plugin';
import { asaasRequest } from '../client.js';
import { asaasApi, type AsaasAccount } from '../credential.js';
import { configOrInput, requireText } from '../values.js';

/** Input paths of a payment id: `paymentId`, a charge's `payment.id`, or a trigger event's `paymentId`. */
export const PAYMENT_ID_PATHS = [['paymentId'], ['payment', 'id'], ['event', 'paymentId']] as const;

function paymentIdOf(config: Record<string, unknown>, input: Record<string, unknown>): string {
  return encodeURIComponent(requireText(configOrInput(config, input, 'paymentId', PAYMENT_ID_PATHS), 'paymentId'));
}

const paymentCodeConfig = {
  paymentId: p.text({ displayName: 'Payment id', description: 'pay_…; taken from input.paymentId when empty.' }),
  timeoutMs: p.number({ displayName: 'Timeout (ms)', integer: true, minimum: 1, maximum: 120_000 }),
};

interface PixQrCode {
  encodedImage: string;
  payload: string;
  expirationDate?: string;
}

/** `asaas/pix-qr-code@1`: the PIX copy-and-paste code and QR image of a charge. */
export const pixQrCodeAction = defineAction({
  name: 'pix-qr-code',
  version: 1,
  displayName: 'PIX QR code',
  description:
    'Reads the PIX QR code of a charge (GET /v3/payments/{id}/pixQrCode) and stores the image as a file. Outputs { paymentId, payload, expirationDate, image }.',
  group: 'Billing',
  config: { ...paymentCodeConfig, storeImage: p.boolean({ displayName: 'Store the QR image as a file', default: true }) },
  credentials: [{ slot: 'asaas', type: asaasApi, required: true }],
  async run(ctx) {
    const account = ctx.credentials.asaas as AsaasAccount;
    const paymentId = paymentIdOf(ctx.config as Record<string, unknown>, ctx.input);
    const code = await asaasRequest<PixQrCode>(ctx, account, { method: 'GET', path: `/payments/${paymentId}/pixQrCode`, timeoutMs: ctx.config.timeoutMs });
    const image =
      ctx.config.storeImage && typeof code.encodedImage === 'string' && code.encodedImage !== ''
        ? await ctx.files.put({ name: `pix-${decodeURIComponent(paymentId)}.png`, contentType: 'image/png', base64: code.encodedImage })
        : null;
    return { paymentId: decodeURIComponent(paymentId), payload: code.payload, expirationDate: code.expirationDate ?? null, image };
  },
});

interface IdentificationField {
  identificationField: string;
  nossoNumero?: string;
  barCode?: string;
}

/** `asaas/boleto-line@1`: the digitable line and bar code of a boleto charge. */
export const boletoLineAction = defineAction({
  name: 'boleto-line',
  version: 1,
  displayName: 'Boleto line',
  description:
    'Reads the digitable line of a boleto charge (GET /v3/payments/{id}/identificationField). Outputs { paymentId, identificationField, nossoNumero, barCode }.',
  group: 'Billing',
  config: paymentCodeConfig,
  credentials: [{ slot: 'asaas', type: asaasApi, required: true }],
  async run(ctx) {
    const account = ctx.credentials.asaas as AsaasAccount;
    const paymentId = paymentIdOf(ctx.config as Record<string, unknown>, ctx.input);
    const line = await asaasRequest<IdentificationField>(ctx, account, {
      method: 'GET',
      path: `/payments/${paymentId}/identificationField`,
      timeoutMs: ctx.config.timeoutMs,
    });
    return {
      paymentId: decodeURIComponent(paymentId),
      identificationField: line.identificationField,
      nossoNumero: line.nossoNumero ?? null,
      barCode: line.barCode ?? null,
    };
  },
});
