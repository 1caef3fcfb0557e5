import { describe, expect, expectTypeOf, it } from 'vitest';

import {
  defineAction,
  defineCredentialType,
  defineTrigger,
  outputs,
  p,
  type ConfigOf,
  type Property,
} from '../../src/plugin/index.js';

// These checks run in the type checker (`tsc --noEmit`); at run time they only execute.

const apiKey = defineCredentialType({
  name: 'apiKey',
  displayName: 'API key',
  properties: {
    key: p.secret({ displayName: 'Key', required: true }),
    region: p.text({ displayName: 'Region' }),
  },
});

describe('config types', () => {
  it('required and defaulted keys present', () => {
    defineAction({
      name: 'send',
      version: 1,
      displayName: 'Send',
      description: 'Sends.',
      config: {
        to: p.text({ displayName: 'To', required: true }),
        subject: p.text({ displayName: 'Subject' }),
        count: p.number({ integer: true, default: 3 }),
        active: p.boolean({ required: false }),
        payload: p.json(),
        attachment: p.file(),
        token: p.secret({ required: true }),
      },
      run(ctx) {
        expectTypeOf(ctx.config).toEqualTypeOf<{
          to: string;
          count: number;
          token: string;
          subject?: string;
          active?: boolean;
          payload?: unknown;
          attachment?: { id: string };
        }>();
        return null;
      },
    });
  });

  it('select yields a union', () => {
    const mode = p.select({ options: ['fast', 'safe'] as const, required: true });
    const labelled = p.select({ options: [{ value: 'hot', label: 'Hot' }, 'cold'] });

    expectTypeOf(mode).toEqualTypeOf<Property<'fast' | 'safe', true>>();
    expectTypeOf(labelled).toEqualTypeOf<Property<'hot' | 'cold', false>>();
  });

  it('select default must be an option', () => {
    // @ts-expect-error "slow" is not one of the options.
    expect(() => p.select({ options: ['fast'], default: 'slow' })).toThrow();
  });

  it('arrays and objects nest', () => {
    const config = {
      tags: p.array(p.text(), { required: true }),
      contacts: p.array(p.object({ email: p.text({ required: true }), name: p.text() })),
      address: p.object({ city: p.text({ default: 'Lisbon' }), zip: p.number() }, { required: true }),
    };

    expectTypeOf<ConfigOf<typeof config>>().toEqualTypeOf<{
      tags: string[];
      address: { city: string; zip?: number };
      contacts?: { email: string; name?: string }[];
    }>();
  });

  it('credentials typed from slots', () => {
    defineAction({
      name: 'call',
      version: 1,
      displayName: 'Call',
      description: 'Calls.',
      config: {},
      credentials: [
        { slot: 'account', type: apiKey, required: true },
        { slot: 'backup', type: apiKey },
        { slot: 'legacy', type: 'legacyKey' },
      ],
      run(ctx) {
        expectTypeOf(ctx.credentials).toEqualTypeOf<{
          account: { key: string; region?: string };
          backup: { key: string; region?: string } | undefined;
          legacy: Record<string, unknown> | undefined;
        }>();
        expectTypeOf(ctx.config).toEqualTypeOf<{}>();
        return outputs({ out: ctx.credentials.account.key });
      },
    });
  });

  it('unknown config keys rejected', () => {
    defineAction({
      name: 'strict',
      version: 1,
      displayName: 'Strict',
      description: 'Has one key.',
      config: { known: p.text() },
      run(ctx) {
        // @ts-expect-error `unknown` is not a config key.
        return ctx.config.unknown;
      },
    });
  });

  it('trigger config typed', () => {
    defineTrigger({
      name: 'hook',
      displayName: 'Hook',
      description: 'Receives.',
      kind: 'webhook',
      config: { secret: p.secret({ required: true }), window: p.number({ default: 300 }) },
      verify(ctx) {
        expectTypeOf(ctx.config).toEqualTypeOf<{ secret: string; window: number }>();
        return true;
      },
    });
  });
});
