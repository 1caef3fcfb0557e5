/**
 * The PiAPI plugin: video generation as a remote job of PiAPI's unified task API, with the
 * operator's `PIAPI_API_KEY` or a user's own key.
 */
import { definePlugin } from '@gestorlead/sdk-plugin/plugin';
import { piapiKey } from './credential.js';
import { generateVideoAction } from './generate-video.js';

export default definePlugin({
  name: 'piapi',
  version: '0.1.0',
  runtime: '^0.1.0',
  displayName: 'PiAPI',
  description: 'Video generation (Kling, Hailuo, Luma and other models) through PiAPI.',
  // Results are served from PiAPI's file hosts and, for Kling, from Kling's CDN.
  permissions: { hosts: ['api.piapi.ai', '*.piapi.ai', '*.theapi.app', '*.klingai.com'] },
  credentialTypes: [piapiKey],
  actions: [generateVideoAction],
});
