import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmePlugin, GOOD_KEY } from '../../runtime/test/vault/fixtures';
import { CLIENT_ID, CLIENT_SECRET, startOAuthServer, type OAuthServer } from '../../runtime/test/vault/oauth-server';
import { apiRequest, sessionToken } from './support/account';
import { createGraph, openApp, selectNode, waitForSaved } from './support/app';
import { CHROMIUM_AVAILABLE, saveScreenshot } from './support/browser';
import { useSpecSession } from './support/spec-session';

describe.skipIf(!CHROMIUM_AVAILABLE)('credentials', () => {
  let oauthServer: OAuthServer;

  beforeAll(async () => {
    oauthServer = await startOAuthServer();
  });

  afterAll(async () => {
    await oauthServer?.close();
  });

  const spec = useSpecSession(() => ({
    OAUTH2_CLIENTS: JSON.stringify({
      'acme/oauth': {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        authorizationUrl: `${oauthServer.origin}/authorize`,
        tokenUrl: `${oauthServer.origin}/token`,
      },
    }),
    HTTP_ALLOW_PRIVATE: `127.0.0.1:${oauthServer.port}`,
  }));

  it('creates and tests a credential from its schema', async () => {
    const { page } = spec.browser;
    await openApp(page, spec.runtime.url);
    const installed = await apiRequest(spec.runtime.url, await sessionToken(page), 'POST', '/v1/plugins', acmePlugin());
    expect(installed.status).toBe(201);

    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('button', { name: 'New credential' }).click();
    const form = page.getByTestId('credential-form');
    await form.getByLabel('Type').selectOption('acme/apiKey');
    await form.getByLabel('Name').first().fill('Acme production');
    // The form comes from the type's JSON Schema: a password field and an enum select.
    expect(await form.locator('#root_key').getAttribute('type')).toBe('password');
    await form.locator('#root_key').fill(GOOD_KEY);
    await form.locator('#root_region').selectOption('eu');
    await form.getByRole('button', { name: 'Save' }).click();

    const row = page.getByRole('table', { name: 'Credentials' }).locator('tr', { hasText: 'Acme production' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('status').getByText('"Acme production" works.').waitFor();
    await saveScreenshot(page, 'credentials-list');
  });

  it('picks and connects credentials in node settings', async () => {
    const { page } = spec.browser;
    await page.locator('nav.topbar__nav').getByRole('link', { name: 'Graphs' }).click();
    await createGraph(page, 'Acme calls');
    await page.fill('input[aria-label="Search nodes"]', 'Action show');
    await page.press('input[aria-label="Search nodes"]', 'Enter');
    await page.waitForSelector('[data-testid="node-show"]');
    await selectNode(page, 'show');

    const account = page.getByLabel('Credential "account"');
    await account.selectOption({ label: 'Acme production' });
    const extraSlot = page.locator('.credential-slot[data-slot="extra"]');
    await extraSlot.getByRole('button', { name: 'Connect new' }).click();
    await extraSlot.getByLabel('Name').fill('Other token');
    await extraSlot.locator('#root_token').fill('token-value-1');
    await extraSlot.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await page.getByLabel('Credential "extra"').locator('option:checked').textContent())).toBe('Other token');
    await saveScreenshot(page, 'credentials-picker');
  });

  it('connects an OAuth2 credential in a pop-up', async () => {
    const { page, context } = spec.browser;
    await page.locator('[data-testid="canvas"] .react-flow__pane').click({ position: { x: 20, y: 200 } });
    await page.fill('input[aria-label="Search nodes"]', 'Action call');
    await page.press('input[aria-label="Search nodes"]', 'Enter');
    await page.waitForSelector('[data-testid="node-call"]');
    await selectNode(page, 'call');

    const slot = page.locator('.credential-slot[data-slot="acme"]');
    await slot.getByRole('button', { name: 'Connect new' }).click();
    await slot.getByLabel('Name').fill('Acme workspace');
    await slot.locator('#root_workspace').fill('team-7');
    const popupOpened = context.waitForEvent('page');
    await slot.getByRole('button', { name: 'Connect' }).click();
    const popup = await popupOpened;

    // The fake server redirects to the runtime's callback, whose page posts to this window and closes.
    await popup.waitForEvent('close', { timeout: 30_000 });
    await expect.poll(async () => (await page.getByLabel('Credential "acme"').locator('option:checked').textContent())).toBe('Acme workspace');
    await saveScreenshot(page, 'credentials-oauth2-connected');

    const credentials = await apiRequest(spec.runtime.url, await sessionToken(page), 'GET', '/v1/credentials?type=acme/oauth');
    const body = (await credentials.json()) as { items: { id: string; name: string; oauth2?: { scopes: string[] } }[] };
    expect(body.items.map((item) => item.name)).toEqual(['Acme workspace']);
    expect(body.items[0].oauth2?.scopes).toEqual(['read', 'write']);
    expect(oauthServer.issuedAccessTokens.length).toBe(1);

    // The picks are saved in the nodes' `credentials`.
    await waitForSaved(page);
    const graphId = page.url().split('/graphs/')[1];
    const graph = (await (await apiRequest(spec.runtime.url, await sessionToken(page), 'GET', `/v1/graphs/${graphId}`)).json()) as {
      document: { nodes: { id: string; credentials?: Record<string, string> }[] };
    };
    const credentialsOf = (nodeId: string) => graph.document.nodes.find((node) => node.id === nodeId)?.credentials;
    expect(Object.keys(credentialsOf('show') ?? {}).sort()).toEqual(['account', 'extra']);
    expect(credentialsOf('call')).toEqual({ acme: body.items[0].id });
  });
});
