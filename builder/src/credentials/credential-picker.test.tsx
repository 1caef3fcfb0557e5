import type { GraphNode, NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi } from '../test-support/fake-api';
import { CredentialPickers } from './credential-picker';

const DESCRIPTOR = {
  type: 'mailer/send@1',
  displayName: 'Send',
  configSchema: { type: 'object', properties: {} },
  inputs: [],
  outputs: [],
  plugin: { name: 'mailer', version: '1.0.0' },
  credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }],
} as NodeTypeDescriptor;

const NODE: GraphNode = { id: 'send', type: 'mailer/send@1', position: { x: 0, y: 0 }, config: {} };

const API_KEY_TYPE = {
  type: 'mailer/apiKey',
  displayName: 'Mailer key',
  description: null,
  schema: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } },
  oauth2: null,
  testable: false,
};

function credential(id: string, name: string, type: string) {
  return { id, name, type, createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' };
}

afterEach(() => cleanup());

describe('credential pickers', () => {
  it('lists credentials of the slot type', async () => {
    const { wrapper } = fakeApi({
      'GET /v1/credential-types': () => [200, { items: [API_KEY_TYPE] }],
      'GET /v1/credentials': () => [200, { items: [credential('c1', 'Work key', 'mailer/apiKey'), credential('c2', 'Other', 'acme/token')] }],
    });
    const changes: unknown[] = [];
    render(<CredentialPickers node={NODE} descriptor={DESCRIPTOR} onChange={(value) => changes.push(value)} />, { wrapper });

    const select = await screen.findByLabelText('Credential "account"');
    await waitFor(() => expect(select.querySelectorAll('option').length).toBe(2));
    expect(Array.from(select.querySelectorAll('option'), (option) => option.textContent)).toEqual(['Choose a credential', 'Work key']);

    fireEvent.change(select, { target: { value: 'c1' } });
    expect(changes).toEqual([{ account: 'c1' }]);
  });

  it('creates a credential in place and picks it', async () => {
    const created: unknown[] = [];
    const { wrapper } = fakeApi({
      'GET /v1/credential-types': () => [200, { items: [API_KEY_TYPE] }],
      'GET /v1/credentials': () => [200, { items: [] }],
      'POST /v1/credentials': (body) => {
        created.push(body);
        return [201, credential('c9', 'Mailer key', 'mailer/apiKey')];
      },
    });
    const changes: unknown[] = [];
    render(<CredentialPickers node={NODE} descriptor={DESCRIPTOR} onChange={(value) => changes.push(value)} />, { wrapper });

    // The button stays disabled until the credential types have loaded.
    const connect = await screen.findByRole<HTMLButtonElement>('button', { name: 'Connect new' });
    await waitFor(() => expect(connect.disabled).toBe(false));
    fireEvent.click(connect);
    const key = await waitFor(() => {
      const input = document.querySelector('#root_key');
      expect(input).not.toBeNull();
      return input!;
    });
    fireEvent.change(key, { target: { value: 'secret-123' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(changes).toEqual([{ account: 'c9' }]));
    expect(created).toEqual([{ type: 'mailer/apiKey', name: 'Mailer key', values: { key: 'secret-123' } }]);
  });

  it('renders nothing without slots', () => {
    const { calls, wrapper } = fakeApi({});
    const { container } = render(
      <CredentialPickers node={NODE} descriptor={{ ...DESCRIPTOR, credentialSlots: [] } as NodeTypeDescriptor} onChange={() => undefined} />,
      { wrapper },
    );

    expect(container.innerHTML).toBe('');
    expect(calls).toEqual([]);
  });
});
