/**
 * Credential types and the signed-in user's credentials. Values go in on create and update and
 * never come out: every reply is metadata. Every lookup is scoped to the principal, and another
 * user's credential id gets the same 404 as an unknown one.
 */
import type { CredentialRecord } from '@gestorlead/storage';
import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import type { OAuth2Metadata } from '../vault/credential-contents.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { testCredential } from '../vault/credential-test.js';
import { checkCredentialValues, type CredentialTypeEntry } from '../vault/credential-types.js';
import { idParams } from './schemas.js';

/** Maximum length of a credential name, in characters. */
export const MAX_CREDENTIAL_NAME_LENGTH = 200;
/** Attempts of an update that loses a compare-and-set to a concurrent token refresh. */
const UPDATE_ATTEMPTS = 3;

const TYPE_NAME = { type: 'string', minLength: 3, maxLength: 129, pattern: '^[a-z0-9][a-z0-9-]{0,63}/[a-z][a-zA-Z0-9_-]{0,63}$' } as const;
const CREDENTIAL_NAME = { type: 'string', minLength: 1, maxLength: MAX_CREDENTIAL_NAME_LENGTH } as const;
const VALUES = { type: 'object', description: 'Values valid against the credential type schema' } as const;

/** Reply schema of one credential. Fastify serializes only these fields. */
export const CREDENTIAL_REPLY = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    oauth2: {
      type: 'object',
      properties: {
        expiresAt: { type: ['string', 'null'] },
        scopes: { type: ['array', 'null'], items: { type: 'string' } },
        refreshable: { type: 'boolean' },
      },
    },
  },
} as const;

/** The metadata of a credential, as every route returns it. */
export interface CredentialView {
  id: string;
  name: string;
  type: string;
  createdAt: string;
  updatedAt: string;
  oauth2?: OAuth2Metadata;
}

/** Returns the metadata of a credential; nothing of its envelope. */
export function describeCredential(record: CredentialRecord): CredentialView {
  const view: CredentialView = { id: record.id, name: record.name, type: record.type, createdAt: record.createdAt, updatedAt: record.updatedAt };
  const oauth2 = record.meta.oauth2 as Partial<OAuth2Metadata> | undefined;
  if (oauth2 !== undefined && oauth2 !== null && typeof oauth2 === 'object') {
    view.oauth2 = { expiresAt: oauth2.expiresAt ?? null, scopes: oauth2.scopes ?? null, refreshable: oauth2.refreshable === true };
  }
  return view;
}

/** Returns the public description of a credential type. */
function describeType(entry: CredentialTypeEntry, ctx: StudioContext) {
  const oauth2 = entry.manifest.oauth2;
  return {
    type: entry.type,
    plugin: { name: entry.plugin.name, version: entry.plugin.version },
    name: entry.manifest.name,
    displayName: entry.manifest.displayName,
    description: entry.manifest.description ?? null,
    schema: entry.manifest.schema,
    oauth2:
      oauth2 === undefined
        ? null
        : { scopes: oauth2.scopes ?? [], pkce: oauth2.pkce ?? true, configured: Object.hasOwn(ctx.config.oauth2.clients, entry.type) },
    testable: entry.manifest.test !== undefined,
  };
}

/** Returns the 404 error of a credential that does not exist or that the principal does not own. */
export function credentialNotFound(id: string, pointer = '/params/id'): StudioError {
  return new StudioError('CREDENTIAL_NOT_FOUND', `credential "${id}" does not exist`, {
    problems: [{ pointer, message: 'matches no credential' }],
  });
}

function unknownType(type: string, pointer: string): StudioError {
  return new StudioError('CREDENTIAL_TYPE_UNKNOWN', `no installed plugin declares the credential type "${type}"`, {
    problems: [{ pointer, message: 'matches no credential type of an installed plugin' }],
  });
}

/** Throws `CREDENTIAL_VALUES_INVALID` with a pointer per problem when `values` break the type's schema. */
function checkValues(entry: CredentialTypeEntry, values: unknown): void {
  const problems = checkCredentialValues(entry, values, '/body/values');
  if (problems.length === 0) return;
  const first = problems[0];
  throw new StudioError(
    'CREDENTIAL_VALUES_INVALID',
    `the values do not match credential type ${entry.type} (${problems.length} problem(s)); first: ${first.pointer} ${first.message}`,
    { problems },
  );
}

/**
 * Replaces the values of a credential, keeping its OAuth2 tokens. Retries when a token refresh
 * changed the record between the read and the write, so the new tokens are not lost.
 */
async function replaceValues(store: CredentialStore, record: CredentialRecord, values: Record<string, unknown>, name: string | undefined): Promise<CredentialRecord> {
  let current = record;
  for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt += 1) {
    const { record: opened, contents } = await store.open(current);
    const updated = await store.update(opened, { name, contents: { ...contents, values } }, { expectedUpdatedAt: opened.updatedAt });
    if (updated !== null) return updated;
    const reread = await store.getOwned(record.ownerId, record.id);
    if (reread === null) throw credentialNotFound(record.id);
    current = reread;
  }
  throw new StudioError('CREDENTIAL_OAUTH2_REFRESH_IN_PROGRESS', `credential "${record.id}" kept changing during the update; try again`);
}

/** Registers the credential routes; see the top of this file. */
export async function credentialRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const { vault } = ctx;

  app.get('/v1/credential-types', {
    schema: { tags: ['credentials'], summary: 'List the credential types of the installed plugins' },
  }, async (request) => {
    const principal = requirePrincipal(request);
    return { items: vault.types(principal.userId).map((entry) => describeType(entry, ctx)) };
  });

  app.post('/v1/credentials', {
    schema: {
      tags: ['credentials'],
      summary: 'Store a credential; its values are never returned',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type', 'values'],
        properties: { name: CREDENTIAL_NAME, type: TYPE_NAME, values: VALUES },
      },
      response: { 201: CREDENTIAL_REPLY },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const body = request.body as { name: string; type: string; values: Record<string, unknown> };
    const entry = vault.findType(body.type, principal.userId);
    if (entry === undefined) throw unknownType(body.type, '/body/type');
    if (entry.manifest.oauth2 !== undefined) {
      throw new StudioError('CREDENTIAL_TYPE_OAUTH2_ONLY', `credential type ${entry.type} is connected through OAuth2; use POST /v1/credentials/oauth2/start`, {
        problems: [{ pointer: '/body/type', message: 'is an OAuth2 credential type' }],
      });
    }
    checkValues(entry, body.values);

    const record = await vault.store.create({ ownerId: principal.userId, name: body.name, type: entry.type, contents: { values: body.values } });
    request.log.info({ credentialId: record.id, type: record.type }, 'credential created');
    return reply.status(201).send(describeCredential(record));
  });

  app.get('/v1/credentials', {
    schema: {
      tags: ['credentials'],
      summary: "List the signed-in user's credentials, newest first (metadata only)",
      querystring: { type: 'object', additionalProperties: false, properties: { type: TYPE_NAME } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: CREDENTIAL_REPLY } } } },
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    const { type } = request.query as { type?: string };
    const records = await vault.store.listOwned(principal.userId, type);
    return { items: records.map(describeCredential) };
  });

  app.get('/v1/credentials/:id', {
    schema: { tags: ['credentials'], summary: 'Get the metadata of a credential', params: idParams, response: { 200: CREDENTIAL_REPLY } },
  }, async (request) => {
    const principal = requirePrincipal(request);
    const { id } = request.params as { id: string };
    const record = await vault.store.getOwned(principal.userId, id);
    if (record === null) throw credentialNotFound(id);
    return describeCredential(record);
  });

  app.patch('/v1/credentials/:id', {
    schema: {
      tags: ['credentials'],
      summary: 'Rename a credential or replace its values',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { name: CREDENTIAL_NAME, values: VALUES },
      },
      response: { 200: CREDENTIAL_REPLY },
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    const { id } = request.params as { id: string };
    const body = request.body as { name?: string; values?: Record<string, unknown> };
    const record = await vault.store.getOwned(principal.userId, id);
    if (record === null) throw credentialNotFound(id);

    let updated: CredentialRecord | null;
    if (body.values !== undefined) {
      const entry = vault.findType(record.type, principal.userId);
      if (entry === undefined) throw unknownType(record.type, '/params/id');
      checkValues(entry, body.values);
      updated = await replaceValues(vault.store, record, body.values, body.name);
    } else {
      updated = await vault.store.update(record, { name: body.name });
    }
    if (updated === null) throw credentialNotFound(id);
    request.log.info({ credentialId: id, renamed: body.name !== undefined, valuesReplaced: body.values !== undefined }, 'credential updated');
    return describeCredential(updated);
  });

  app.delete('/v1/credentials/:id', {
    schema: { tags: ['credentials'], summary: 'Delete a credential', params: idParams },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const { id } = request.params as { id: string };
    if (!(await vault.store.delete(principal.userId, id))) throw credentialNotFound(id);
    request.log.info({ credentialId: id }, 'credential deleted');
    return reply.status(204).send();
  });

  app.post('/v1/credentials/:id/test', {
    schema: {
      tags: ['credentials'],
      summary: "Check a credential by running its type's test action",
      params: idParams,
      response: {
        200: {
          type: 'object',
          properties: {
            ok: { type: 'boolean' },
            error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    const { id } = request.params as { id: string };
    const record = await vault.store.getOwned(principal.userId, id);
    if (record === null) throw credentialNotFound(id);
    const entry = vault.findType(record.type, principal.userId);
    if (entry === undefined) throw unknownType(record.type, '/params/id');

    const result = await testCredential(record, entry, ctx.registry, ctx.config.taskTimeoutMs);
    request.log.info({ credentialId: id, ok: result.ok, code: result.ok ? undefined : result.error.code }, 'credential tested');
    return result;
  });
}
