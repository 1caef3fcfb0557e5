/**
 * The core plugin: general-purpose actions that every studio installs from these sources at
 * start-up. It declares no `permissions.hosts`, because its HTTP actions reach the hosts the
 * graph author chooses: the studio grants that to plugins in TRUSTED_PLUGINS (`core` by
 * default), and still refuses private addresses unless HTTP_ALLOW_PRIVATE lists them.
 */
import { definePlugin } from '@gestorlead/sdk-plugin/plugin';
import { codeAction } from './actions/code.js';
import { httpAction, httpAuth } from './actions/http.js';
import { jsonAction } from './actions/json.js';
import { templateAction } from './actions/template.js';
import { waitUntilAction } from './actions/wait-until.js';

export default definePlugin({
  name: 'core',
  version: '0.1.0',
  runtime: '^0.1.0',
  displayName: 'Core',
  description: 'HTTP requests, code, templates, JSON transforms and polling.',
  permissions: { hosts: [] },
  credentialTypes: [httpAuth],
  actions: [httpAction, codeAction, templateAction, jsonAction, waitUntilAction],
});
