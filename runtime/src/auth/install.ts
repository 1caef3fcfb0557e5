/**
 * Wires accounts into a studio: the authentication hooks, the rate limits and the account routes.
 * Call it before any other `/v1/` route is registered, since the hooks and limits attach to the
 * routes registered after them.
 */
import type { FastifyInstance } from 'fastify';
import type { StudioContext } from '../context.js';
import { adminUserRoutes } from '../routes/admin-users.js';
import { authRoutes } from '../routes/auth.js';
import { meRoutes } from '../routes/me.js';
import { Accounts } from './accounts.js';
import { ApiKeys } from './api-keys.js';
import { Authenticator, installAuthentication } from './authenticate.js';
import { GoogleTokenVerifier } from './google.js';
import { installTierRateLimits, LoginThrottle, type RateLimitStoreClass } from './rate-limits.js';
import { Sessions } from './sessions.js';

/** How often expired refresh tokens are deleted, in milliseconds. */
const PURGE_INTERVAL_MS = 3_600_000;

/** Options of `installAccounts`. */
export interface AccountOptions {
  /** A rate-limit store class shared by several processes; by default each process counts in memory. */
  rateLimitStore?: RateLimitStoreClass;
}

/** Installs authentication, rate limits and the account routes; returns the account services. */
export async function installAccounts(app: FastifyInstance, ctx: StudioContext, options: AccountOptions = {}): Promise<Accounts> {
  const { config, storage, secrets } = ctx;
  const settings = config.auth;
  const log = ctx.log.child({ component: 'accounts' });
  const sessions = new Sessions({ storage, secrets, settings, log });
  const apiKeys = new ApiKeys({ storage, log });
  const google = settings.googleClientId === null
    ? null
    : new GoogleTokenVerifier({ clientId: settings.googleClientId, jwksUrl: settings.googleJwksUrl, log });
  const accounts = new Accounts({ storage, sessions, settings, google, connections: ctx.connections, log });

  installAuthentication(app, new Authenticator({ storage, secrets, apiKeys }));
  await installTierRateLimits(app, settings.rateLimit, options.rateLimitStore);
  const throttle = new LoginThrottle(app, settings);

  await app.register(async (scope) => authRoutes(scope, { accounts, sessions, throttle, settings }));
  await app.register(async (scope) => meRoutes(scope, { accounts, sessions, apiKeys, throttle }));
  await app.register(async (scope) => adminUserRoutes(scope, accounts));

  schedulePurge(app, sessions, log);
  if (await accounts.needsFirstUser()) {
    log.info('no account exists yet; the first one to register (POST /v1/auth/register) becomes admin');
  }
  return accounts;
}

/** Deletes expired refresh tokens now and every hour until the app closes. */
function schedulePurge(app: FastifyInstance, sessions: Sessions, log: StudioContext['log']): void {
  const purge = (): void => {
    sessions.purgeExpired().then(
      (purged) => {
        if (purged > 0) log.debug({ purged }, 'expired refresh tokens deleted');
      },
      (error: unknown) => log.warn({ err: error }, 'deleting expired refresh tokens failed'),
    );
  };
  const timer = setInterval(purge, PURGE_INTERVAL_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
  purge();
}
