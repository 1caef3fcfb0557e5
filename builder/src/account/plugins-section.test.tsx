import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi } from '../test-support/fake-api';
import { PluginsSection } from './plugins-section';

const INSPECTION = {
  plugin: { name: 'mailer', version: '1.0.0' },
  displayName: 'Mailer',
  description: 'Sends mail.',
  sha256: 'a'.repeat(64),
  visibility: 'private',
  hosts: ['api.mailer.example'],
  credentialTypes: [{ name: 'apiKey', displayName: 'API key' }],
  nodeTypes: [{ type: 'mailer/send@1', displayName: 'Send' }],
  triggers: [],
};

afterEach(() => cleanup());

describe('plugins section', () => {
  it('installs only after the preview is confirmed', async () => {
    let installed = false;
    const { calls, wrapper } = fakeApi({
      'GET /v1/plugins': () => [200, { items: installed ? [{ name: 'mailer', versions: [{ version: '1.0.0' }] }] : [] }],
      'POST /v1/plugins/inspect': () => [200, INSPECTION],
      'POST /v1/plugins': () => {
        installed = true;
        return [201, { plugin: INSPECTION.plugin }];
      },
      'GET /v1/plugins/mailer/1.0.0': () => [
        200,
        {
          name: 'mailer',
          version: '1.0.0',
          visibility: 'private',
          displayName: 'Mailer',
          installedAt: '2026-12-01T00:00:00.000Z',
          nodeTypes: INSPECTION.nodeTypes,
          manifest: { description: 'Sends mail.', permissions: { hosts: INSPECTION.hosts }, credentialTypes: INSPECTION.credentialTypes },
        },
      ],
    });
    render(<PluginsSection />, { wrapper });

    const file = new File([JSON.stringify({ format: 'gestorlead.plugin/v1' })], 'mailer.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('plugin-file'), { target: { files: [file] } });

    const preview = await screen.findByTestId('plugin-preview');
    expect(within(preview).getByRole('list', { name: 'Hosts it may call:' }).textContent).toBe('api.mailer.example');
    expect(within(preview).getByRole('list', { name: 'Credential types:' }).textContent).toBe('mailer/apiKey');
    expect(calls).not.toContain('POST /v1/plugins');

    fireEvent.click(screen.getByRole('button', { name: 'Install' }));
    await screen.findByText('Installed mailer 1.0.0.');
    expect(calls).toContain('POST /v1/plugins');
    await waitFor(() => expect(document.querySelector('[data-plugin="mailer@1.0.0"]')).not.toBeNull());
  });

  it('shows a file that is not JSON as an error', async () => {
    const { calls, wrapper } = fakeApi({ 'GET /v1/plugins': () => [200, { items: [] }] });
    render(<PluginsSection />, { wrapper });

    const file = new File(['not json'], 'broken.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('plugin-file'), { target: { files: [file] } });

    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-error-code')).toBe('PLUGIN_FILE_INVALID_JSON');
    expect(alert.textContent).toContain('broken.json');
    expect(calls.some((call) => call.startsWith('POST'))).toBe(false);
  });
});
