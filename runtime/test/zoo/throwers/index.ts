/** A plugin whose actions throw values that are not `PluginError`s. */
import { defineAction, definePlugin, p } from '@gestorlead/sdk-plugin/plugin';

/** The value each action throws, by action name. */
const THROWN: Record<string, () => unknown> = {
  throwString: () => 'a plain string',
  throwNumber: () => 42,
  throwNull: () => null,
  throwUndefined: () => undefined,
  throwObject: () => ({ reason: 'no code here' }),
  throwSymbol: () => Symbol('thrown'),
  throwBigInt: () => 10n ** 30n,
  throwFunction: () => () => 'a function',
  throwTypeError: () => new TypeError('a bug in the plugin'),
  throwCodedObject: () => ({ code: 'THROWERS_CODED', message: 'a coded plain object', retryable: true, details: { n: 1 } }),
  throwHostileObject: () => ({
    get code(): string {
      throw new Error('reading code fails');
    },
  }),
  throwUnserializableDetails: () => ({ code: 'THROWERS_DETAILS', message: 'details hold a BigInt', details: { big: 1n } }),
};

const actions = Object.keys(THROWN).map((name) =>
  defineAction({
    name,
    version: 1,
    displayName: name,
    description: `Throws the value of ${name}.`,
    config: { async: p.boolean({ displayName: 'Async', default: false }) },
    run(ctx) {
      const value = THROWN[name]();
      if (ctx.config.async) {
        return Promise.reject(value);
      }
      throw value;
    },
  }),
);

export default definePlugin({
  name: 'zoo-throwers',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Zoo: throwers',
  description: 'Hostile plugin: throws values that are not errors.',
  permissions: { hosts: [] },
  actions,
});
