import type { Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { ArtifactService } from './artifacts/artifact-service.js';
import type { LiveConnections } from './auth/live-connections.js';
import type { StudioSecrets } from './auth/secrets.js';
import type { RuntimeConfig } from './config.js';
import type { CreditService } from './credits/credit-service.js';
import type { EventBus } from './events/event-bus.js';
import type { Executor } from './executor/executor.js';
import type { NodeTypeRegistry } from './executor/node-type.js';
import type { GraphCache } from './graph-cache.js';
import type { StudioMetrics } from './metrics.js';
import type { PluginHost } from './plugins/plugin-host.js';
import type { CredentialVault } from './vault/index.js';
import type { StudioScheduling } from './scheduling/scheduling.js';

/** Everything the routes share: configuration, storage, executor, events and metrics. */
export interface StudioContext {
  config: RuntimeConfig;
  storage: Storage;
  events: EventBus;
  executor: Executor;
  registry: NodeTypeRegistry;
  graphs: GraphCache;
  metrics: StudioMetrics;
  log: Logger;
  plugins: PluginHost;
  /** Task charges, balances, top-ups and adjustments over the credit ledger. */
  credits: CreditService;
  /** Decoded `SECRET_KEY` and encryption keys. */
  secrets: StudioSecrets;
  /** Encrypted credentials, their OAuth2 connections, and the resolver of plugin slots. */
  vault: CredentialVault;
  /** Job store, run dispatch and cron triggers of this process's role. */
  scheduling: StudioScheduling;
  /** Files runs produced: their records, blob store and retention sweep. */
  artifacts: ArtifactService;
  /** Open WebSocket connections by user, closed when an admin deactivates the user. */
  connections: LiveConnections;
}
