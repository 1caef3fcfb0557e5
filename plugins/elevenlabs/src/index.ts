/**
 * The ElevenLabs plugin: text to speech with the operator's `ELEVENLABS_API_KEY` or a user's
 * own key. The audio is stored as an artifact.
 */
import { definePlugin } from '@gestorlead/sdk-plugin/plugin';
import { elevenlabsKey, textToSpeechAction } from './text-to-speech.js';

export default definePlugin({
  name: 'elevenlabs',
  version: '0.1.0',
  runtime: '^0.1.0',
  displayName: 'ElevenLabs',
  description: 'Text to speech with ElevenLabs voices.',
  permissions: { hosts: ['api.elevenlabs.io'] },
  credentialTypes: [elevenlabsKey],
  actions: [textToSpeechAction],
});
