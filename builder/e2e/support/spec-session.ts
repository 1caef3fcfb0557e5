/** The runtime and browser that a spec file shares between its tests. */
import { afterAll, beforeAll, inject } from 'vitest';
import { openBrowser, type BrowserSession } from './browser';
import { startRuntime, type RuntimeProcess } from './runtime';

/** The spec file's runtime and browser, set once its `beforeAll` hooks have run. */
export interface SpecSession {
  runtime: RuntimeProcess;
  browser: BrowserSession;
}

/**
 * Registers hooks that start a runtime serving the production build and a browser before the
 * first test, and close both after the last one. `env` is read when the runtime starts, so it
 * may use servers that an earlier `beforeAll` started.
 */
export function useSpecSession(env: () => Record<string, string> = () => ({})): SpecSession {
  const session = {} as SpecSession;

  beforeAll(async () => {
    session.runtime = await startRuntime(inject('builderDir'), env());
    session.browser = await openBrowser();
  });

  afterAll(async () => {
    await session.browser?.close();
    await session.runtime?.stop();
  });

  return session;
}
