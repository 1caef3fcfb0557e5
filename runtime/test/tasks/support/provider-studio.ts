/**
 * Per-file fixture of the provider plugin tests: fake provider servers that start once before
 * the file's first test and forget their requests after each test, and one studio per test with
 * a bundled provider plugin, closed after the test.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { PluginTestStudio } from '../../plugins/support/plugin-studio.js';
import type { FakeServer } from '../../support/fake-providers/fake-server.js';
import { startProviderStudio } from '../../providers/support.js';
import type { ProviderPluginName } from './provider-plugins.js';

/** Options of `useProviderStudio`. */
export interface ProviderStudioOptions<Fakes extends Record<string, FakeServer>> {
  plugin: ProviderPluginName;
  /** Starts the file's fake servers, keyed by the names the tests read them by. */
  startFakes: () => Promise<Fakes>;
  /** Platform variables of the plugin (API key, base URL) that `start` sets. */
  platformEnv: (fakes: Fakes) => Record<string, string>;
}

/** Studio control of a provider test file. */
export interface ProviderStudioControl {
  /** Starts the test's studio with the platform variables, overridden by `env`. */
  start(env?: Record<string, string>): Promise<PluginTestStudio>;
  /** Starts the test's studio with no platform variables, as a studio without a platform key. */
  startWithoutPlatformKey(): Promise<PluginTestStudio>;
}

/** The fake servers (set before the first test) and the studio control. */
export type ProviderStudioFixture<Fakes extends Record<string, FakeServer>> = Fakes & ProviderStudioControl;

/**
 * Registers the file's hooks and returns the fixture. Every fake's port is allowed in
 * `HTTP_ALLOW_PRIVATE`, so a credential may point the plugin at any of them.
 */
export function useProviderStudio<Fakes extends Record<string, FakeServer>>(options: ProviderStudioOptions<Fakes>): ProviderStudioFixture<Fakes> {
  let fakes: Fakes | undefined;
  let studio: PluginTestStudio | undefined;

  function startedFakes(): Fakes {
    if (fakes === undefined) throw new Error('the fake servers start in beforeAll, so start a studio inside a test');
    return fakes;
  }

  async function startStudio(env: Record<string, string>): Promise<PluginTestStudio> {
    const ports = Object.values(startedFakes()).map((fake) => fake.port);
    studio = await startProviderStudio(options.plugin, ports, env);
    return studio;
  }

  const control: ProviderStudioControl = {
    start: (env = {}) => startStudio({ ...options.platformEnv(startedFakes()), ...env }),
    startWithoutPlatformKey: () => startStudio({}),
  };
  const fixture = control as ProviderStudioFixture<Fakes>;

  beforeAll(async () => {
    fakes = await options.startFakes();
    Object.assign(fixture, fakes);
  });

  afterAll(async () => {
    for (const fake of Object.values(fakes ?? {})) await fake.close();
  });

  afterEach(async () => {
    await studio?.close();
    studio = undefined;
    for (const fake of Object.values(fakes ?? {})) fake.reset();
  });

  return fixture;
}
