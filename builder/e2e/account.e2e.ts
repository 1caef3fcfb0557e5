import { beforeAll, describe, expect, it } from 'vitest';
import { acmePlugin } from '../../runtime/test/vault/fixtures';
import { apiRequest, sessionToken } from './support/account';
import { openApp } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

describe.skipIf(!CHROMIUM_AVAILABLE)('account screen', () => {
  const spec = useSpecSession();

  beforeAll(async () => {
    await spec.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: spec.runtime.url });
  });

  it('grants credits and pages the ledger', async () => {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    const balance = page.getByTestId('header-balance');
    await expect.poll(() => balance.textContent()).toBe('0 credits');
    await balance.click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();

    // The studio has no billing plugin, so top-up explains that instead of offering a payment.
    await page.getByRole('button', { name: 'Top up' }).click();
    await page.getByTestId('billing-missing').waitFor();
    await page.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();

    for (const amount of [250, 30]) {
      await page.getByRole('button', { name: 'Grant credits' }).click();
      const dialog = page.locator('dialog[open]');
      await dialog.getByLabel('Credits (negative to remove)').fill(String(amount));
      await dialog.getByLabel('Reason').fill(`Welcome ${amount}`);
      await dialog.getByRole('button', { name: 'Grant' }).click();
      await dialog.waitFor({ state: 'detached' });
    }

    await expect.poll(() => balance.textContent()).toBe('280 credits');
    await expect.poll(() => page.getByTestId('account-balance').textContent()).toContain('Balance: 280 credits');
    const rows = page.getByRole('table', { name: 'Credit history' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('+30');
    expect(await rows.nth(1).textContent()).toContain('Welcome 250');

    // 23 more entries make 25, one more than a page of 20 holds: the rest loads on request.
    const token = await sessionToken(page);
    const me = (await (await apiRequest(spec.runtime.url, token, 'GET', '/v1/me')).json()) as { id: string };
    for (let index = 1; index <= 23; index += 1) {
      const body = { amount: 1, reason: `Bonus ${index}`, idempotencyKey: `bonus-${index}` };
      expect((await apiRequest(spec.runtime.url, token, 'POST', `/v1/admin/users/${me.id}/credits`, body)).status).toBe(201);
    }
    await page.reload();
    await expect.poll(() => rows.count()).toBe(20);
    expect(await rows.nth(0).textContent()).toContain('Bonus 23');
    await page.getByRole('button', { name: 'Load older entries' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    expect(await rows.nth(24).textContent()).toContain('Welcome 250');
    expect(await page.getByRole('button', { name: 'Load older entries' }).count()).toBe(0);
    await expect.poll(() => balance.textContent()).toBe('303 credits');
    await saveScreenshot(page, 'account-ledger');
  });

  it('creates, copies and revokes an API key', async () => {
    const { page } = spec.browser;
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('Name').fill('Deploy script');
    await dialog.getByLabel('Expires after').selectOption({ label: '30 days' });
    await dialog.getByRole('button', { name: 'Create' }).click();

    const shown = page.locator('dialog[open]').getByLabel('New API key');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key.length).toBeGreaterThan(20);
    await page.locator('dialog[open]').getByRole('button', { name: 'Copy' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await saveScreenshot(page, 'account-api-key-created');
    await page.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();

    expect((await apiRequest(spec.runtime.url, key, 'GET', '/v1/me')).status).toBe(200);
    const table = page.getByRole('table', { name: 'API keys' });
    await table.getByText('Deploy script').waitFor();
    await page.getByRole('button', { name: 'Revoke Deploy script' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Revoke' }).click();
    await table.getByText('Revoked').waitFor();
    expect((await apiRequest(spec.runtime.url, key, 'GET', '/v1/me')).status).toBe(401);
  });

  it('previews, installs and uninstalls a plugin', async () => {
    const { page } = spec.browser;
    const pluginPackage = acmePlugin();
    await page.getByTestId('plugin-file').setInputFiles({
      name: 'acme-1.0.0.glplugin.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(pluginPackage)),
    });

    const preview = page.getByTestId('plugin-preview');
    await preview.waitFor();
    expect(await preview.getByRole('list', { name: 'Hosts it may call:' }).textContent()).toBe('api.acme.test');
    const credentialTypes = await preview.getByRole('list', { name: 'Credential types:' }).locator('li').allTextContents();
    expect(credentialTypes).toEqual(['acme/apiKey', 'acme/other', 'acme/oauth']);
    await saveScreenshot(page, 'account-plugin-preview');

    // Nothing is installed before the user confirms.
    const token = await sessionToken(page);
    expect((await apiRequest(spec.runtime.url, token, 'GET', '/v1/plugins/acme')).status).toBe(404);

    await page.locator('dialog[open]').getByRole('button', { name: 'Install' }).click();
    await page.getByRole('status').getByText('Installed acme 1.0.0.').waitFor();
    const item = page.locator('[data-plugin="acme@1.0.0"]');
    await item.waitFor();
    expect(await item.getByRole('list', { name: 'Node types:' }).textContent()).toContain('acme/whoami@1');
    expect((await apiRequest(spec.runtime.url, token, 'GET', '/v1/plugins/acme')).status).toBe(200);
    await item.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'account-plugins');

    await page.getByRole('button', { name: 'Uninstall acme@1.0.0' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Uninstall' }).click();
    await item.waitFor({ state: 'detached' });
    expect((await apiRequest(spec.runtime.url, token, 'GET', '/v1/plugins/acme')).status).toBe(404);
  });
});
