import { PLUGIN_NAME_PATTERN, SEMVER_PATTERN } from '@gestorlead/sdk-plugin/manifest';
import type { PluginVersionSummary } from '@gestorlead/storage';
import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../auth/principal.js';
import type { StudioContext } from '../context.js';
import { StudioError } from '../errors.js';
import { nodeTypesOf } from '../plugins/plugin-host.js';
import { triggersOf } from '../plugins/plugin-triggers.js';

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: PLUGIN_NAME_PATTERN } },
} as const;

const versionParams = {
  type: 'object',
  required: ['name', 'version'],
  properties: {
    name: { type: 'string', pattern: PLUGIN_NAME_PATTERN },
    version: { type: 'string', maxLength: 100, pattern: SEMVER_PATTERN },
  },
} as const;

const nodeTypeList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'displayName'],
    properties: { type: { type: 'string' }, displayName: { type: 'string' } },
  },
} as const;

/** Visibility of a plugin version: `shared` with every user, or `private` to the user who installed it. */
const VISIBILITIES = ['private', 'shared'] as const;
type Visibility = (typeof VISIBILITIES)[number];

function visibilityOf(summary: Pick<PluginVersionSummary, 'ownerId'>): Visibility {
  return summary.ownerId === null ? 'shared' : 'private';
}

const triggerList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'displayName', 'kind'],
    properties: { type: { type: 'string' }, displayName: { type: 'string' }, kind: { type: 'string' } },
  },
} as const;

const installQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    visibility: {
      type: 'string',
      enum: [...VISIBILITIES],
      description: 'private: only you see the version; shared: every user does (admins only). Default: shared for admins, private for others',
    },
  },
} as const;

const packageBody = {
  type: 'object',
  description: 'A plugin package: { format: "gestorlead.plugin/v1", manifest, code, sha256 }',
} as const;

/** Returns the requested visibility of an install, which is shared by default for admins. Rejects shared for other users. */
function visibilityOfRequest(query: { visibility?: Visibility }, principal: { admin: boolean }): Visibility {
  const visibility = query.visibility ?? (principal.admin ? 'shared' : 'private');
  if (visibility === 'shared' && !principal.admin) {
    throw new StudioError('FORBIDDEN', 'only an admin may install a shared plugin version; leave out visibility to install a private one', {
      problems: [{ pointer: '/querystring/visibility', message: 'must be private for a user who is not an admin' }],
    });
  }
  return visibility;
}

function pluginNotFound(name: string): StudioError {
  return new StudioError('PLUGIN_NOT_FOUND', `no plugin named "${name}" is installed`, {
    problems: [{ pointer: '/params/name', message: 'matches no installed plugin' }],
  });
}

/**
 * Plugin installation, listing and removal. A user can list and use the shared plugin versions
 * and their own private ones. Another user's private plugin gets the same 404 as a name that no
 * installed plugin has.
 */
export async function pluginRoutes(app: FastifyInstance, ctx: StudioContext): Promise<void> {
  const host = ctx.plugins;

  /** Describes one installed version; `nodeTypes` marks the types whose code this version runs. */
  const describeVersion = (summary: PluginVersionSummary) => ({
    version: summary.version,
    visibility: visibilityOf(summary),
    displayName: summary.manifest.displayName,
    sha256: summary.sha256,
    installedAt: summary.installedAt,
    loaded: host.isLoaded(summary.name, summary.version),
    nodeTypes: nodeTypesOf(summary.manifest).map((item) => ({
      ...item,
      active: host.providerOf(item.type)?.version === summary.version,
    })),
    triggers: triggersOf(summary.manifest),
  });

  app.post('/v1/plugins', {
    schema: {
      tags: ['plugins'],
      summary: 'Install a plugin version from a package written by gestorlead-plugin pack',
      querystring: installQuery,
      body: packageBody,
      response: {
        201: {
          description: 'The installed version and the node types and triggers it provides',
          type: 'object',
          properties: {
            plugin: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } } },
            visibility: { type: 'string', enum: [...VISIBILITIES] },
            nodeTypes: nodeTypeList,
            triggers: triggerList,
          },
        },
      },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const visibility = visibilityOfRequest(request.query as { visibility?: Visibility }, principal);
    const ownerId = visibility === 'shared' ? null : principal.userId;
    const result = await host.install(request.body, { ownerId });
    return reply.status(201).send({ plugin: result.plugin, visibility, nodeTypes: result.nodeTypes, triggers: result.triggers });
  });

  app.post('/v1/plugins/inspect', {
    schema: {
      tags: ['plugins'],
      summary: 'Check a package as an install would, without installing it, and list the hosts, credential types and node types it declares',
      querystring: installQuery,
      body: packageBody,
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    const visibility = visibilityOfRequest(request.query as { visibility?: Visibility }, principal);
    const inspection = await host.inspect(request.body, { ownerId: visibility === 'shared' ? null : principal.userId });
    return { ...inspection, visibility };
  });

  app.get('/v1/trigger-types', {
    schema: {
      tags: ['triggers'],
      summary: 'Plugin triggers a graph can choose in settings.trigger, each in its highest installed version',
    },
  }, async (request) => ({ items: host.triggers.list(requirePrincipal(request).userId) }));

  app.get('/v1/plugins', {
    schema: { tags: ['plugins'], summary: 'List the shared plugins and your private ones, each with its versions, highest first' },
  }, async (request) => {
    const visibleTo = requirePrincipal(request).userId;
    const byName = new Map<string, PluginVersionSummary[]>();
    for (const summary of await host.list({ visibleTo })) {
      const versions = byName.get(summary.name) ?? [];
      versions.push(summary);
      byName.set(summary.name, versions);
    }
    const items = [...byName].map(([name, versions]) => ({
      name,
      displayName: versions[0].manifest.displayName,
      description: versions[0].manifest.description,
      visibility: visibilityOf(versions[0]),
      latestVersion: versions[0].version,
      versions: versions.map((summary) => ({
        version: summary.version,
        installedAt: summary.installedAt,
        loaded: host.isLoaded(summary.name, summary.version),
      })),
    }));
    return { items };
  });

  app.get('/v1/plugins/:name', {
    schema: { tags: ['plugins'], summary: 'Get a plugin and its installed versions', params: nameParams },
  }, async (request) => {
    const { name } = request.params as { name: string };
    const versions = await host.list({ name, visibleTo: requirePrincipal(request).userId });
    if (versions.length === 0) throw pluginNotFound(name);
    return {
      name,
      displayName: versions[0].manifest.displayName,
      description: versions[0].manifest.description,
      visibility: visibilityOf(versions[0]),
      latestVersion: versions[0].version,
      versions: versions.map(describeVersion),
    };
  });

  app.get('/v1/plugins/:name/:version', {
    schema: { tags: ['plugins'], summary: 'Get one installed version with its manifest (never its code)', params: versionParams },
  }, async (request) => {
    const { name, version } = request.params as { name: string; version: string };
    const versions = await host.list({ name, visibleTo: requirePrincipal(request).userId });
    const summary = versions.find((item) => item.version === version);
    if (summary === undefined) {
      if (versions.length === 0) throw pluginNotFound(name);
      throw new StudioError('PLUGIN_VERSION_NOT_FOUND', `plugin "${name}" has no installed version ${version}`, {
        problems: [{ pointer: '/params/version', message: 'matches no installed version of this plugin' }],
      });
    }
    return { name, ...describeVersion(summary), manifest: summary.manifest };
  });

  app.delete('/v1/plugins/:name/:version', {
    schema: {
      tags: ['plugins'],
      summary: 'Uninstall a version unless stored graphs need a node type only it provides; shared versions by admins only',
      params: versionParams,
    },
  }, async (request, reply) => {
    const { name, version } = request.params as { name: string; version: string };
    const { userId, admin } = requirePrincipal(request);
    await host.uninstall(name, version, { userId, admin });
    return reply.status(204).send();
  });
}
