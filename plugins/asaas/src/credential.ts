import { defineCredentialType, p } from '@gestorlead/sdk-plugin/plugin';

/** API base URLs of the two Asaas environments (API v3). */
export const ASAAS_BASE_URLS = {
  production: 'https://api.asaas.com/v3',
  sandbox: 'https://api-sandbox.asaas.com/v3',
} as const;

/** An Asaas account: its API key, environment and the token its webhooks carry. */
export const asaasApi = defineCredentialType({
  name: 'asaasApi',
  displayName: 'Asaas account',
  description: 'The API key of an Asaas account (sent in the access_token header), its environment, and the webhook authentication token.',
  properties: {
    apiKey: p.secret({ displayName: 'API key', required: true, placeholder: '$aact_…' }),
    environment: p.select({ displayName: 'Environment', options: ['production', 'sandbox'], default: 'sandbox' }),
    webhookToken: p.secret({
      displayName: 'Webhook authentication token',
      description: 'The token set on the Asaas webhook; Asaas sends it in the asaas-access-token header of each event.',
    }),
    baseUrl: p.text({
      displayName: 'API base URL',
      description: 'Replaces the environment URL, such as http://api.asaas.com:9100/v3 for a local stand-in. Its host must still be api.asaas.com or api-sandbox.asaas.com.',
    }),
  },
});

/** The values an action receives from an `asaasApi` credential. */
export interface AsaasAccount {
  apiKey: string;
  environment: 'production' | 'sandbox';
  webhookToken?: string;
  baseUrl?: string;
}
