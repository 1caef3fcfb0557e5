import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ASAAS_API_KEY, startAsaasServer, type AsaasServer } from '../../runtime/test/plugins/support/asaas-server';
import { apiRequest, sessionToken } from './support/account';
import { openApp } from './support/app';
import { CHROMIUM_AVAILABLE, openBrowser, saveScreenshot, type BrowserSession } from './support/browser';
import { startRuntime, type RuntimeProcess } from './support/runtime';

const HOSTS_PRELOAD = fileURLToPath(new URL('./support/asaas-hosts.mjs', import.meta.url));
const WEBHOOK_TOKEN = 'whk_e2e_billing_token';
const PACKAGES = [
  { id: 'starter', displayName: 'Starter', credits: 600, priceCents: 4990 },
  { id: 'pro', displayName: 'Pro', credits: 2500, priceCents: 17990 },
];

describe.skipIf(!CHROMIUM_AVAILABLE)('credit top-up', () => {
  let asaas: AsaasServer;
  let runtime: RuntimeProcess | undefined;
  let browser: BrowserSession;

  beforeAll(async () => {
    asaas = await startAsaasServer();
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await asaas?.close();
  });

  it('buys a package with PIX and sees the balance grow', async () => {
    const { page } = browser;
    const env = { NODE_OPTIONS: `--import=${HOSTS_PRELOAD}`, HTTP_ALLOW_PRIVATE: `127.0.0.1:${asaas.port}` };

    // The operator stores the admin's Asaas credential, then restarts the studio with billing set.
    const setup = await startRuntime(inject('builderDir'), env);
    runtime = setup;
    await openApp(page, setup.url);
    const values = { apiKey: ASAAS_API_KEY, environment: 'sandbox', webhookToken: WEBHOOK_TOKEN, baseUrl: `http://api-sandbox.asaas.com:${asaas.port}/v3` };
    const created = await apiRequest(setup.url, await sessionToken(page), 'POST', '/v1/credentials', { name: 'Asaas', type: 'asaas/asaasApi', values });
    expect(created.status).toBe(201);
    const { id: credentialId } = (await created.json()) as { id: string };
    await setup.stop({ keepData: true });
    runtime = await startRuntime(
      inject('builderDir'),
      { ...env, BILLING_PACKAGES: JSON.stringify(PACKAGES), BILLING_ASAAS_CREDENTIAL_ID: credentialId },
      { dataDir: setup.dataDir },
    );

    await openApp(page, runtime.url, '/account', 'main.account');
    const balance = page.getByTestId('header-balance');
    await expect.poll(() => balance.textContent()).toBe('0 credits');
    await page.getByRole('button', { name: 'Top up' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('radio', { name: /Pro/ }).check();
    await dialog.getByLabel('Payment method').selectOption('PIX');
    await dialog.getByLabel('CPF or CNPJ').fill('123.456.789-09');
    await dialog.getByRole('button', { name: 'Create charge' }).click();

    const code = dialog.getByLabel('PIX copy-and-paste code');
    await code.waitFor({ timeout: 60_000 });
    const [payment] = [...asaas.payments.values()];
    expect(await code.inputValue()).toContain(String(payment.id));
    expect(payment).toMatchObject({ billingType: 'PIX', value: 179.9 });
    await dialog.getByRole('img', { name: 'PIX QR code' }).waitFor();
    expect(await dialog.getByRole('link', { name: 'Open the invoice' }).getAttribute('href')).toBe(payment.invoiceUrl);
    await saveScreenshot(page, 'billing-pix');

    // Asaas reports the payment to the studio's top-up graph.
    payment.status = 'RECEIVED';
    const delivered = await fetch(`${runtime.url}/hooks/graph_billing_top_ups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'asaas-access-token': WEBHOOK_TOKEN },
      body: JSON.stringify({ id: `evt_${String(payment.id)}`, event: 'PAYMENT_RECEIVED', dateCreated: '2026-12-05 10:00:00', payment }),
    });
    expect(delivered.status).toBe(200);

    await expect.poll(() => dialog.getByTestId('checkout-status').textContent(), { timeout: 15_000 }).toBe(
      'Payment received: your balance is now 2,500 credits.',
    );
    await expect.poll(() => balance.textContent()).toBe('2,500 credits');
    await expect.poll(() => page.getByTestId('account-balance').textContent()).toContain('Balance: 2,500 credits');
    await saveScreenshot(page, 'billing-paid');
    await dialog.getByRole('button', { name: 'Close' }).click();
    const rows = page.getByRole('table', { name: 'Credit history' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).textContent()).toContain('+2,500');
  });
});
