/**
 * A StudioApi over a fetch function that replies from a route table, for component tests.
 * Each handler gets the parsed JSON body and returns a status and a body.
 */
import type { ReactNode } from 'react';
import { ApiClient } from '../api/client';
import { SessionStore } from '../api/session';
import { StudioApi } from '../api/studio-api';
import { ApiContext } from '../api-context';
import { I18nProvider } from '../i18n/i18n';

export type RouteHandler = (body: unknown, url: URL) => [number, unknown];

export interface FakeApi {
  api: StudioApi;
  /** Requests received, as `METHOD /path?query`. */
  calls: string[];
  wrapper: (props: { children: ReactNode }) => ReactNode;
}

/** Builds the API; `routes` is keyed by `METHOD /path` without the query. Unknown routes get a 404. */
export function fakeApi(routes: Record<string, RouteHandler>): FakeApi {
  const calls: string[] = [];
  const fetchRoute: typeof fetch = async (input, init) => {
    const url = new URL(String(input), 'http://studio.test');
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url.pathname}${url.search}`);
    const handler = routes[`${method} ${url.pathname}`];
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const [status, reply] = handler === undefined ? [404, { code: 'ROUTE_NOT_FOUND', message: `no route ${method} ${url.pathname}`, errors: [] }] : handler(body, url);
    return new Response(reply === undefined ? null : JSON.stringify(reply), { status, headers: { 'content-type': 'application/json' } });
  };
  const api = new StudioApi(new ApiClient({ sessions: new SessionStore(null), fetch: fetchRoute }));
  const wrapper = ({ children }: { children: ReactNode }) => (
    <I18nProvider initial="en">
      <ApiContext.Provider value={api}>{children}</ApiContext.Provider>
    </I18nProvider>
  );
  return { api, calls, wrapper };
}
