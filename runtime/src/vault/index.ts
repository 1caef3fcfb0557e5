/**
 * The credential vault of a studio: encrypted credential storage, the resolver that hands
 * credentials to tasks, OAuth2 connections and the background re-encryption after a key
 * change. `createStudio` builds one and the credential routes use it.
 */
import type { Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../config.js';
import type { CredentialResolver } from '../plugins/credentials.js';
import { HttpGateway, type HostResolver } from '../plugins/http-gateway.js';
import type { LoadedPlugin } from '../plugins/plugin-node-type.js';
import { CredentialStore } from './credential-store.js';
import { credentialTypesOf, findCredentialType, type CredentialTypeEntry } from './credential-types.js';
import type { EncryptionKeyRing } from './envelope.js';
import { OAuth2Flow } from './oauth2/flow.js';
import { TokenRefresher } from './oauth2/refresh.js';
import { OAuth2TokenClient } from './oauth2/token-client.js';
import { reencryptStaleCredentials, type RotationResult } from './rotation.js';
import { createVaultResolver } from './vault-resolver.js';
import { Vault } from './vault.js';

/** Options of `CredentialVault`. */
export interface CredentialVaultOptions {
  config: RuntimeConfig;
  storage: Storage;
  keys: EncryptionKeyRing;
  /** The loaded plugin versions, whose manifests declare the credential types. */
  plugins(): LoadedPlugin[];
  log: Logger;
  /** Resolves host names for token requests; by default the system resolver. */
  resolveHost?: HostResolver;
}

/** The services of the credential vault. */
export class CredentialVault {
  readonly store: CredentialStore;
  readonly resolver: CredentialResolver;
  readonly oauth2: OAuth2Flow;
  readonly #plugins: () => LoadedPlugin[];
  readonly #log: Logger;
  readonly #rotationAbort = new AbortController();
  #rotation: Promise<RotationResult | undefined> | undefined;

  /** Throws when an encryption key is not 32 bytes long. */
  constructor(options: CredentialVaultOptions) {
    const { config, storage } = options;
    this.#plugins = options.plugins;
    this.#log = options.log.child({ component: 'vault' });
    const vault = new Vault(options.keys);
    this.store = new CredentialStore({ repository: storage.credentials, vault, log: this.#log });
    const tokens = new OAuth2TokenClient({
      gateway: new HttpGateway({
        allowPrivate: config.plugins.httpAllowPrivate,
        timeoutMs: config.plugins.httpTimeoutMs,
        maxResponseBytes: config.plugins.httpMaxResponseBytes,
        resolve: options.resolveHost,
      }),
      timeoutMs: config.plugins.httpTimeoutMs,
    });
    this.oauth2 = new OAuth2Flow({
      states: storage.oauthStates,
      vault,
      store: this.store,
      tokens,
      config: config.oauth2,
      findType: (type, userId) => this.findType(type, userId),
      log: this.#log,
    });
    const refresher = new TokenRefresher({
      store: this.store,
      tokens,
      providerOf: (type) => this.oauth2.providerOf(type),
      log: this.#log,
    });
    this.resolver = createVaultResolver({ store: this.store, refresher, log: this.#log });
  }

  /**
   * Credential types of the loaded plugins. With `userId`, only those of shared plugins and of
   * that user's private plugins.
   */
  types(userId?: string): CredentialTypeEntry[] {
    return credentialTypesOf(this.#visiblePlugins(userId));
  }

  /**
   * Returns the credential type `<plugin>/<type>`, or undefined when no loaded plugin declares it
   * (with `userId`: no plugin that user may use).
   */
  findType(type: string, userId?: string): CredentialTypeEntry | undefined {
    return findCredentialType(this.#visiblePlugins(userId), type);
  }

  #visiblePlugins(userId: string | undefined): LoadedPlugin[] {
    const plugins = this.#plugins();
    if (userId === undefined) return plugins;
    return plugins.filter((plugin) => plugin.ownerId === null || plugin.ownerId === userId);
  }

  /** Starts the background re-encryption of credentials sealed with a retired key. */
  startRotation(): void {
    this.#rotation ??= reencryptStaleCredentials(this.store, this.#log, { signal: this.#rotationAbort.signal }).catch((error: unknown) => {
      this.#log.error({ err: error }, 'credential re-encryption pass failed; it runs again at the next start');
      return undefined;
    });
  }

  /** Waits for the re-encryption pass that `startRotation` began, if any. */
  async rotationDone(): Promise<RotationResult | undefined> {
    return this.#rotation;
  }

  /** Stops the re-encryption pass after its current record. */
  async close(): Promise<void> {
    this.#rotationAbort.abort();
    await this.#rotation;
  }
}
