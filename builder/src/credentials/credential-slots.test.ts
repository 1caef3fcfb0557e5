import type { NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import { describe, expect, it } from 'vitest';
import { credentialSlotsOf, credentialUiSchema } from './credential-slots';

const base: NodeTypeDescriptor = { type: 'x/y@1', displayName: 'Y', configSchema: { type: 'object' }, inputs: [], outputs: [] };

describe('credential slots', () => {
  it('lists plugin action slots with full type names', () => {
    const descriptor = {
      ...base,
      plugin: { name: 'mailer', version: '1.0.0' },
      credentialSlots: [
        { slot: 'account', type: 'apiKey', required: true },
        { slot: 'backup', type: 'oauth' },
      ],
    };

    expect(credentialSlotsOf(descriptor, { config: {} })).toEqual([
      { slot: 'account', types: ['mailer/apiKey'], required: true },
      { slot: 'backup', types: ['mailer/oauth'], required: false },
    ]);
  });

  it('follows the AI provider in the config', () => {
    const descriptor = {
      ...base,
      credentialSlot: 'model',
      providers: [
        { name: 'openai', credentialType: 'ai/openai', platformKey: true },
        { name: 'gemini', credentialType: 'ai/gemini', platformKey: false },
      ],
    };

    expect(credentialSlotsOf(descriptor, { config: { provider: 'gemini' } })).toEqual([{ slot: 'model', types: ['ai/gemini'], required: false }]);
    expect(credentialSlotsOf(descriptor, { config: {} })).toEqual([{ slot: 'model', types: ['ai/openai', 'ai/gemini'], required: false }]);
  });

  it('returns none for built-in and unknown types', () => {
    expect(credentialSlotsOf(base, { config: {} })).toEqual([]);
    expect(credentialSlotsOf(undefined, { config: {} })).toEqual([]);
  });

  it('hides secret fields', () => {
    const ui = credentialUiSchema({
      type: 'object',
      properties: {
        apiKey: { type: 'string' },
        region: { type: 'string' },
        pin: { type: 'string', writeOnly: true },
        tokenCount: { type: 'integer' },
      },
    });

    expect(ui.apiKey).toEqual({ 'ui:widget': 'password' });
    expect(ui.pin).toEqual({ 'ui:widget': 'password' });
    expect(ui.region).toBeUndefined();
    expect(ui.tokenCount).toBeUndefined();
  });
});
