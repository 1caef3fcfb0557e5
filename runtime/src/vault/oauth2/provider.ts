/**
 * The OAuth2 provider behind a credential type: the manifest's `oauth2` block combined with the
 * operator's client settings (`OAUTH2_CLIENTS`).
 */
import type { OAuth2Manifest } from '@gestorlead/sdk-plugin/plugin';
import { StudioError } from '../../errors.js';
import type { CredentialTypeEntry } from '../credential-types.js';
import type { OAuth2ClientConfig, OAuth2Config } from './settings.js';

/** Everything the flow and the token requests need about one provider. */
export interface OAuth2Provider {
  /** The credential type, `<plugin>/<type>`. */
  type: string;
  /** The plugin that declares the type, for the HTTP gateway's messages. */
  pluginName: string;
  authorizationUrl: string;
  tokenUrl: string;
  scopes: string[];
  scopeSeparator: string;
  pkce: boolean;
  clientAuthentication: NonNullable<OAuth2Manifest['clientAuthentication']>;
  authorizationParams: Record<string, string>;
  client: OAuth2ClientConfig;
}

/**
 * Returns the provider of a credential type. Throws `CREDENTIAL_TYPE_NOT_OAUTH2` for a type
 * without an `oauth2` block and `CREDENTIAL_OAUTH2_NOT_CONFIGURED` when the operator has not
 * configured a client for it.
 */
export function oauth2ProviderOf(entry: CredentialTypeEntry, config: OAuth2Config, pointer = '/body/type'): OAuth2Provider {
  const manifest = entry.manifest.oauth2;
  if (manifest === undefined) {
    throw new StudioError('CREDENTIAL_TYPE_NOT_OAUTH2', `credential type ${entry.type} is not connected through OAuth2; create it with POST /v1/credentials`, {
      problems: [{ pointer, message: 'is not an OAuth2 credential type' }],
    });
  }
  const client = Object.hasOwn(config.clients, entry.type) ? config.clients[entry.type] : undefined;
  if (client === undefined) {
    throw new StudioError(
      'CREDENTIAL_OAUTH2_NOT_CONFIGURED',
      `no OAuth2 client is configured for credential type ${entry.type}; the operator must add it to OAUTH2_CLIENTS`,
      { problems: [{ pointer, message: 'has no OAuth2 client configured' }] },
    );
  }
  return {
    type: entry.type,
    pluginName: entry.plugin.name,
    authorizationUrl: client.authorizationUrl ?? manifest.authorizationUrl,
    tokenUrl: client.tokenUrl ?? manifest.tokenUrl,
    scopes: manifest.scopes ?? [],
    scopeSeparator: manifest.scopeSeparator ?? ' ',
    pkce: manifest.pkce ?? true,
    clientAuthentication: manifest.clientAuthentication ?? 'client_secret_basic',
    authorizationParams: manifest.authorizationParams ?? {},
    client,
  };
}
