import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CredentialType } from '../api/account-api';
import { fakeApi } from '../test-support/fake-api';
import { CredentialForm } from './credential-form';

const TOKEN_TYPE: CredentialType = {
  type: 'acme/token',
  displayName: 'Acme token',
  description: null,
  schema: { type: 'object', properties: { token: { type: 'string' } } },
  oauth2: null,
  testable: false,
};

afterEach(() => cleanup());

describe('credential form', () => {
  it('waits for types that load late', () => {
    const { wrapper } = fakeApi({});
    const view = render(<CredentialForm types={[]} onCreated={() => undefined} onCancel={() => undefined} />, { wrapper });
    expect(screen.getByText('No installed plugin declares a credential type.')).toBeTruthy();

    view.rerender(<CredentialForm types={[TOKEN_TYPE]} onCreated={() => undefined} onCancel={() => undefined} />);

    expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Acme token');
    expect(screen.getByLabelText<HTMLInputElement>('token').type).toBe('password');
  });

  it('connects OAuth2 types instead of saving', () => {
    const { wrapper } = fakeApi({});
    const oauthType: CredentialType = { ...TOKEN_TYPE, type: 'acme/oauth', oauth2: { scopes: ['read'], pkce: true, configured: false } };
    render(<CredentialForm types={[oauthType]} onCreated={() => undefined} onCancel={() => undefined} />, { wrapper });

    expect(screen.getByRole('button', { name: 'Connect' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
    expect(screen.getByText(/has not configured an OAuth2 client/)).toBeTruthy();
  });
});
