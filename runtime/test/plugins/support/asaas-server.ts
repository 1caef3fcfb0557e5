/**
 * A stand-in for the Asaas API v3 on 127.0.0.1. It speaks the wire format of api.asaas.com:
 * the `access_token` header, list bodies `{ object: "list", hasMore, totalCount, limit, offset,
 * data }`, and errors `{ "errors": [{ "code", "description" }] }` with 400, 401, 404, 429 and 503.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { sendJson, startLocalServer, type LocalServer, type ReceivedRequest } from './local-server.js';

/** The API key the server accepts. */
export const ASAAS_API_KEY = '$aact_test_key_5f1c9e0b7a';

/** A one-pixel PNG, base64 encoded, as the QR code image. */
export const QR_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Behaviour switches a test may flip. */
export interface AsaasBehaviour {
  /** Seconds of `retry-after` sent with a 429 for every request while above 0. */
  rateLimitSeconds: number;
  /** Delay before each response, in milliseconds. */
  delayMs: number;
  /** Put the received key into error descriptions, as a careless upstream might. */
  echoKeyInErrors: boolean;
  /** Reply 503 to every authenticated request, as during an Asaas outage. */
  unavailable: boolean;
}

/** The server, its records and what it saw. */
export interface AsaasServer extends LocalServer {
  behaviour: AsaasBehaviour;
  customers: Map<string, Record<string, unknown>>;
  payments: Map<string, Record<string, unknown>>;
  /** Adds a payment directly, as if created in the Asaas dashboard. */
  addPayment(payment: Record<string, unknown>): Record<string, unknown>;
  reset(): void;
}

function errors(response: ServerResponse, status: number, code: string, description: string): void {
  sendJson(response, status, { errors: [{ code, description }] });
}

const BILLING_TYPES = new Set(['PIX', 'BOLETO', 'CREDIT_CARD', 'UNDEFINED']);

/**
 * Registers hooks that start the stand-in before a file's first test, clear what it received
 * before each test, and close it after the last one. `server` is set once `beforeAll` has run.
 */
export function useAsaasServer(): { server: AsaasServer } {
  const holder = {} as { server: AsaasServer };
  beforeAll(async () => {
    holder.server = await startAsaasServer();
  });
  afterAll(async () => {
    await holder.server?.close();
  });
  beforeEach(() => {
    holder.server.reset();
  });
  return holder;
}

/** Starts the stand-in. */
export async function startAsaasServer(): Promise<AsaasServer> {
  const behaviour: AsaasBehaviour = { rateLimitSeconds: 0, delayMs: 0, echoKeyInErrors: false, unavailable: false };
  const customers = new Map<string, Record<string, unknown>>();
  const payments = new Map<string, Record<string, unknown>>();
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_${(++counter).toString().padStart(12, '0')}`;

  const addPayment = (payment: Record<string, unknown>) => {
    const stored: Record<string, unknown> = { object: 'payment', id: nextId('pay'), dateCreated: '2026-12-04', status: 'PENDING', deleted: false, ...payment };
    stored.invoiceUrl = `https://sandbox.asaas.com/i/${String(stored.id).slice(4)}`;
    if (stored.billingType === 'BOLETO') stored.bankSlipUrl = `https://sandbox.asaas.com/b/pdf/${String(stored.id).slice(4)}`;
    payments.set(String(stored.id), stored);
    return stored;
  };

  const handle = async (request: ReceivedRequest, response: ServerResponse) => {
    if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    const url = new URL(request.url, 'http://localhost');
    const key = request.headers.access_token;
    if (key !== ASAAS_API_KEY) {
      const description = behaviour.echoKeyInErrors ? `A chave de API fornecida é inválida: ${String(key)}` : 'A chave de API fornecida é inválida';
      return errors(response, 401, 'invalid_access_token', description);
    }
    if (behaviour.unavailable) return errors(response, 503, 'service_unavailable', 'Serviço temporariamente indisponível.');
    if (behaviour.rateLimitSeconds > 0) {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(behaviour.rateLimitSeconds) });
      response.end(JSON.stringify({ errors: [{ code: 'too_many_requests', description: 'Limite de requisições atingido' }] }));
      return;
    }
    const body = request.body === '' ? {} : (JSON.parse(request.body) as Record<string, any>);
    const path = url.pathname;

    if (path === '/v3/customers' && request.method === 'GET') {
      const cpfCnpj = url.searchParams.get('cpfCnpj');
      const data = [...customers.values()].filter((customer) => cpfCnpj === null || customer.cpfCnpj === cpfCnpj);
      return sendJson(response, 200, { object: 'list', hasMore: false, totalCount: data.length, limit: 10, offset: 0, data });
    }
    if (path === '/v3/customers' && request.method === 'POST') {
      if (typeof body.name !== 'string' || body.name === '') return errors(response, 400, 'invalid_name', 'O nome do cliente é obrigatório.');
      if (typeof body.cpfCnpj !== 'string' || !/^(\d{11}|\d{14})$/.test(body.cpfCnpj)) {
        return errors(response, 400, 'invalid_cpfCnpj', 'O CPF/CNPJ informado é inválido.');
      }
      const customer = { object: 'customer', id: nextId('cus'), dateCreated: '2026-12-04', email: null, externalReference: null, ...body };
      customers.set(String(customer.id), customer);
      return sendJson(response, 200, customer);
    }
    if (path === '/v3/payments' && request.method === 'POST') {
      if (!customers.has(body.customer)) return errors(response, 400, 'invalid_customer', 'Cliente inexistente.');
      if (!BILLING_TYPES.has(body.billingType)) return errors(response, 400, 'invalid_billingType', 'Forma de pagamento inválida.');
      if (typeof body.value !== 'number' || body.value < 5) {
        return errors(response, 400, 'invalid_value', 'O valor da cobrança não pode ser menor que R$ 5,00.');
      }
      const payment = addPayment({ customer: body.customer, billingType: body.billingType, value: body.value, netValue: body.value, dueDate: body.dueDate, description: body.description ?? null, externalReference: body.externalReference ?? null });
      return sendJson(response, 200, payment);
    }
    const match = /^\/v3\/payments\/([^/]+)(?:\/(pixQrCode|identificationField))?$/.exec(path);
    if (match !== null && request.method === 'GET') {
      const payment = payments.get(decodeURIComponent(match[1]));
      if (payment === undefined) return errors(response, 404, 'not_found', 'Cobrança não encontrada.');
      if (match[2] === 'pixQrCode') {
        return sendJson(response, 200, { encodedImage: QR_PNG_BASE64, payload: `00020101021226820014br.gov.bcb.pix2560${payment.id}5204000053039865802BR6304ABCD`, expirationDate: '2027-12-04 23:59:59' });
      }
      if (match[2] === 'identificationField') {
        if (payment.billingType !== 'BOLETO') return errors(response, 400, 'invalid_action', 'Esta cobrança não é um boleto.');
        return sendJson(response, 200, { identificationField: '00190000090275928800021932978170187890000005000', nossoNumero: '6543', barCode: '00191878900000050000000002759288002193297817' });
      }
      return sendJson(response, 200, payment);
    }
    return errors(response, 404, 'not_found', `Rota ${request.method} ${path} não encontrada.`);
  };

  const server = await startLocalServer(handle);
  return Object.assign(server, {
    behaviour,
    customers,
    payments,
    addPayment,
    reset() {
      Object.assign(behaviour, { rateLimitSeconds: 0, delayMs: 0, echoKeyInErrors: false, unavailable: false });
      customers.clear();
      payments.clear();
      server.received.length = 0;
    },
  });
}
