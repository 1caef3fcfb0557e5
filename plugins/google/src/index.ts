/**
 * The Google plugin: Gemini text and image generation with the Gemini API (v1beta), using the
 * operator's `GOOGLE_API_KEY` or a user's own key.
 */
import { definePlugin } from '@gestorlead/sdk-plugin/plugin';
import { generateImageAction } from './actions/generate-image.js';
import { generateTextAction } from './actions/generate-text.js';
import { googleKey } from './credential.js';

export default definePlugin({
  name: 'google',
  version: '0.1.0',
  runtime: '^0.1.0',
  displayName: 'Google Gemini',
  description: 'Text and image generation with Gemini models.',
  permissions: { hosts: ['generativelanguage.googleapis.com'] },
  credentialTypes: [googleKey],
  actions: [generateTextAction, generateImageAction],
});
