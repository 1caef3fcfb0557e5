/**
 * The OpenAI plugin: image generation (Images API) and text to speech (Audio API), with the
 * operator's `OPENAI_API_KEY` or a user's own key. Results are stored as artifacts.
 */
import { definePlugin } from '@gestorlead/sdk-plugin/plugin';
import { generateImageAction } from './actions/generate-image.js';
import { textToSpeechAction } from './actions/text-to-speech.js';
import { openaiKey } from './credential.js';

export default definePlugin({
  name: 'openai',
  version: '0.1.0',
  runtime: '^0.1.0',
  displayName: 'OpenAI',
  description: 'Image generation and text to speech with the OpenAI API.',
  // Images that the API returns as a `url` are served from Azure Blob Storage.
  permissions: { hosts: ['api.openai.com', '*.blob.core.windows.net'] },
  credentialTypes: [openaiKey],
  actions: [generateImageAction, textToSpeechAction],
});
