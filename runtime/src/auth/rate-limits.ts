/**
 * Rate limits, built on @fastify/rate-limit:
 * - every `/v1/` request counts against its tier: per IP address without a principal, per user
 *   with one (`premium` users get their own limit);
 * - webhook deliveries count only against their graph's `settings.webhook.rateLimit`, when set;
 * - failed logins count per email and IP address (`LoginThrottle`).
 * All counters live in the plugin's store. `createStudio` passes the store class of
 * `shared-rate-limits.ts`, whose counters every process of the studio shares.
 */
import fastifyRateLimit, { normalizeIP, type FastifyRateLimitStoreCtor, type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StudioError } from '../errors.js';
import { isApiUrl } from './authenticate.js';
import type { AuthSettings, RateLimitSettings } from './settings.js';

/** A rate-limit store class, as @fastify/rate-limit's `store` option takes it. */
export type RateLimitStoreClass = FastifyRateLimitStoreCtor;

function tierOf(request: FastifyRequest): 'anonymous' | 'authenticated' | 'premium' {
  const principal = request.principal;
  if (principal === null) return 'anonymous';
  return principal.tier === 'premium' ? 'premium' : 'authenticated';
}

function limitOf(settings: RateLimitSettings, request: FastifyRequest): number {
  return settings[tierOf(request)];
}

/** Registers the per-tier limit for every `/v1/` route registered after it. */
export async function installTierRateLimits(app: FastifyInstance, settings: RateLimitSettings, store?: RateLimitStoreClass): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: true,
    store,
    timeWindow: settings.windowMs,
    max: (request) => limitOf(settings, request),
    keyGenerator: (request) => (request.principal ? `user:${request.principal.userId}` : `ip:${normalizeIP(request.ip)}`),
    allowList: (request) => !isApiUrl(request.url),
    errorResponseBuilder: (request, context) => {
      const retryAfterSeconds = Math.ceil(context.ttl / 1000);
      return new StudioError('RATE_LIMIT_EXCEEDED', `rate limit of ${context.max} requests per ${settings.windowMs / 1000} s reached; retry in ${retryAfterSeconds} s`, {
        details: { tier: tierOf(request), limit: context.max, retryAfterSeconds },
      });
    },
  });
}

/** A graph's own webhook limit: `max` deliveries per `windowSeconds`. */
export interface WebhookRateLimit {
  max: number;
  windowSeconds?: number;
}

/** Window of a webhook limit that sets none, in seconds. */
export const DEFAULT_WEBHOOK_WINDOW_SECONDS = 60;

/**
 * Builds the route config that limits webhook deliveries per graph (and per URL: the test URL counts
 * apart from the production one). `limitFor` returns the graph's limit, or null for none; a graph
 * without a limit is not counted at all.
 */
export function webhookRateLimit(limitFor: (request: FastifyRequest) => Promise<WebhookRateLimit | null>): RateLimitOptions {
  const cache = new WeakMap<FastifyRequest, Promise<WebhookRateLimit | null>>();
  const lookup = (request: FastifyRequest): Promise<WebhookRateLimit | null> => {
    let limit = cache.get(request);
    if (limit === undefined) {
      limit = limitFor(request);
      cache.set(request, limit);
    }
    return limit;
  };
  const windowMs = async (request: FastifyRequest): Promise<number> =>
    ((await lookup(request))?.windowSeconds ?? DEFAULT_WEBHOOK_WINDOW_SECONDS) * 1000;
  return {
    keyGenerator: (request) => {
      const { graphId } = request.params as { graphId: string };
      return `webhook:${request.routeOptions.url}:${graphId}`;
    },
    allowList: async (request) => (await lookup(request)) === null,
    max: async (request) => (await lookup(request))?.max ?? 0,
    timeWindow: windowMs,
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.ceil(context.ttl / 1000);
      return new StudioError('WEBHOOK_RATE_LIMITED', `this graph accepts ${context.max} webhook deliveries per window; retry in ${retryAfterSeconds} s`, {
        details: { limit: context.max, retryAfterSeconds },
      });
    },
  };
}

/**
 * Counts failed password checks per subject (an email or a user id) and IP address, and locks
 * the pair once `LOGIN_MAX_FAILURES` fail within `LOGIN_FAILURE_WINDOW_MS`. The lock lasts until
 * the window of the first failure ends. A success does not reset the count.
 * It uses the plugin's store through `createRateLimit`, reading without counting by
 * `{ increment: false }`, so a shared store must implement `read` as well as `incr`.
 */
export class LoginThrottle {
  readonly #subjects = new WeakMap<FastifyRequest, string>();
  readonly #limiter: ReturnType<FastifyInstance['createRateLimit']>;

  constructor(app: FastifyInstance, settings: AuthSettings) {
    this.#limiter = app.createRateLimit({
      max: settings.loginMaxFailures,
      timeWindow: settings.loginFailureWindowMs,
      // Without its own allowList the limiter would take the tier limit's.
      allowList: [],
      keyGenerator: (request) => `login:${this.#subjects.get(request)}:${normalizeIP(request.ip)}`,
    });
  }

  /** Throws `AUTH_LOGIN_RATE_LIMITED`, with `Retry-After` set, when `subject` is locked for this IP address. */
  async check(request: FastifyRequest, reply: FastifyReply, subject: string): Promise<void> {
    this.#subjects.set(request, subject);
    const state = await this.#limiter(request, { increment: false });
    if (state.isAllowed || state.remaining > 0) return;
    const retryAfterSeconds = Math.max(1, state.ttlInSeconds);
    reply.header('retry-after', String(retryAfterSeconds));
    throw new StudioError('AUTH_LOGIN_RATE_LIMITED', `too many failed sign-ins; retry in ${retryAfterSeconds} s`, {
      details: { retryAfterSeconds },
    });
  }

  /** Counts one failure of `subject` from this IP address. */
  async recordFailure(request: FastifyRequest, subject: string): Promise<void> {
    this.#subjects.set(request, subject);
    await this.#limiter(request);
  }
}
