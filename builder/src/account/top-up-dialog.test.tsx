import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi } from '../test-support/fake-api';
import { cpfCnpjDigits, PAYMENT_POLL_MS } from './checkout';
import { TopUpDialog } from './top-up-dialog';

const PACKAGES = [
  { id: 'starter', displayName: 'Starter', credits: 600, priceCents: 4990, currency: 'BRL' },
  { id: 'pro', displayName: 'Pro', credits: 2500, priceCents: 17990, currency: 'BRL' },
];

const CHARGE = {
  paymentId: 'pay_000000000001',
  status: 'PENDING',
  method: 'PIX',
  packageId: 'pro',
  credits: 2500,
  value: 179.9,
  dueDate: '2026-12-08',
  invoiceUrl: 'https://sandbox.asaas.com/i/000000000001',
  bankSlipUrl: null,
  pix: { payload: '00020101021226820014br.gov.bcb.pix2560pay_000000000001', expirationDate: null, image: 'data:image/png;base64,iVBORw0KGgo=' },
};

function creditsPage(balance: number) {
  return { balance, held: 0, history: { items: [], nextCursor: null } };
}

afterEach(() => cleanup());

describe('cpfCnpjDigits', () => {
  it('accepts CPF and CNPJ with punctuation', () => {
    expect(cpfCnpjDigits('123.456.789-09')).toBe('12345678909');
    expect(cpfCnpjDigits('12.345.678/0001-95')).toBe('12345678000195');
  });

  it('rejects other lengths and letters', () => {
    expect(cpfCnpjDigits('123.456.789-0')).toBeNull();
    expect(cpfCnpjDigits('1234567890a')).toBeNull();
    expect(cpfCnpjDigits('')).toBeNull();
  });
});

describe('top-up dialog', () => {
  it('explains a studio without billing', async () => {
    const { wrapper } = fakeApi({
      'GET /v1/billing/packages': () => [404, { statusCode: 404, code: 'BILLING_NOT_CONFIGURED', message: 'billing is not configured', errors: [] }],
    });
    render(<TopUpDialog onClose={() => {}} />, { wrapper });

    await screen.findByTestId('billing-missing');
    expect(screen.queryByRole('button', { name: 'Create charge' })).toBeNull();
  });

  it('creates a PIX charge and waits for the payment', async () => {
    const checkouts: unknown[] = [];
    let balance = 10;
    const { wrapper } = fakeApi({
      'GET /v1/billing/packages': () => [200, { items: PACKAGES, methods: ['PIX', 'BOLETO', 'CREDIT_CARD'] }],
      'GET /v1/credits': () => [200, creditsPage(balance)],
      'POST /v1/billing/checkout': (body) => {
        checkouts.push(body);
        return [201, CHARGE];
      },
    });
    let paidCalls = 0;
    render(<TopUpDialog onClose={() => {}} onPaid={() => (paidCalls += 1)} />, { wrapper });

    fireEvent.click(await screen.findByRole('radio', { name: /Pro/ }));
    const submit = screen.getByRole('button', { name: 'Create charge' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('CPF or CNPJ'), { target: { value: '123.456.789-09' } });
    expect(submit.disabled).toBe(false);
    fireEvent.click(submit);

    const code = (await screen.findByLabelText('PIX copy-and-paste code')) as HTMLInputElement;
    expect(code.value).toBe(CHARGE.pix.payload);
    expect(screen.getByRole('img', { name: 'PIX QR code' }).getAttribute('src')).toBe(CHARGE.pix.image);
    expect(screen.getByRole('link', { name: 'Open the invoice' }).getAttribute('href')).toBe(CHARGE.invoiceUrl);
    expect(checkouts).toEqual([{ packageId: 'pro', method: 'PIX', cpfCnpj: '12345678909' }]);
    expect(screen.getByTestId('checkout-status').textContent).toContain('Waiting for the payment');

    balance = 2510;
    await waitFor(() => expect(screen.getByTestId('checkout-status').textContent).toBe('Payment received: your balance is now 2,510 credits.'), {
      timeout: PAYMENT_POLL_MS * 3,
    });
    expect(paidCalls).toBe(1);
  });

  it('shows a rejected checkout with the error notice', async () => {
    const { wrapper } = fakeApi({
      'GET /v1/billing/packages': () => [200, { items: PACKAGES, methods: ['PIX'] }],
      'GET /v1/credits': () => [200, creditsPage(0)],
      'POST /v1/billing/checkout': () => [
        502,
        { statusCode: 502, code: 'BILLING_CHECKOUT_FAILED', message: 'the checkout run run_1 failed: O CPF/CNPJ informado é inválido.', errors: [] },
      ],
    });
    render(<TopUpDialog onClose={() => {}} />, { wrapper });

    await screen.findByRole('radio', { name: /Starter/ });
    fireEvent.change(screen.getByLabelText('CPF or CNPJ'), { target: { value: '11111111111' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create charge' }));

    await screen.findByText(/O CPF\/CNPJ informado é inválido/);
    expect(screen.queryByTestId('checkout-charge')).toBeNull();
  });
});
