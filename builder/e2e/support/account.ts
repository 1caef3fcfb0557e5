/** Steps of the account and credentials specs. */
import type { Page } from 'playwright-core';

/** Returns the access token of the signed-in session that the app keeps in localStorage. */
export async function sessionToken(page: Page): Promise<string> {
  const text = await page.evaluate(() => localStorage.getItem('gestorlead.session'));
  if (text === null) throw new Error('the app has no stored session');
  return (JSON.parse(text) as { accessToken: string }).accessToken;
}

/** Sends a JSON request to the runtime from the test process, with a bearer token. */
export async function apiRequest(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
