/**
 * The user behind a request. The authentication hook sets `request.principal` from an access
 * token or a personal API key before any route handler runs. Routes read it through
 * `requirePrincipal` and scope every lookup to `principal.userId`.
 */
import type { UserTier } from '@gestorlead/storage';
import type { FastifyRequest } from 'fastify';
import { StudioError } from '../errors.js';

/** The signed-in user behind a request. */
export interface Principal {
  userId: string;
  admin: boolean;
  tier: UserTier;
  /** The credential the request was authenticated with. */
  via: 'access-token' | 'api-key';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null for an anonymous request. */
    principal: Principal | null;
  }
}

/** Returns the request's principal or throws `AUTH_REQUIRED` (401). */
export function requirePrincipal(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (principal === null || principal === undefined) {
    throw new StudioError('AUTH_REQUIRED', 'sign in or send an API key to use this route');
  }
  return principal;
}

/** Returns the request's principal when it is an admin, or throws `AUTH_REQUIRED` (401) or `FORBIDDEN` (403). */
export function requireAdmin(request: FastifyRequest): Principal {
  const principal = requirePrincipal(request);
  if (!principal.admin) throw new StudioError('FORBIDDEN', 'only an admin may use this route');
  return principal;
}
