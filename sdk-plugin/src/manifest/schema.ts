/**
 * JSON Schema (draft-07, as Ajv 8 compiles by default) of `PluginManifest` in `../plugin/abi.ts`.
 * Every object rejects unknown properties, so a misspelled key is reported. Checks that a
 * schema cannot express (unique names, declared credential types, semver ranges, host
 * patterns, compilable config schemas) are in `validate-manifest.ts`.
 */
import { SEMVER_PATTERN } from './semver.js';

/** Pattern of plugin names: 1 to 64 lowercase letters, digits or `-`, not starting with `-`. */
export const PLUGIN_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';

/**
 * Pattern of action, trigger and credential type names: a lowercase letter, then up to 63
 * letters, digits, `_` or `-`.
 */
export const ACTION_NAME_PATTERN = '^[a-z][a-zA-Z0-9_-]{0,63}$';

/** Pattern of port and credential slot names: 1 to 64 letters, digits, `_` or `-`. */
export const PORT_NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

/** Pattern of `icon`: a base64 data URI of an SVG or PNG image. */
export const ICON_PATTERN = '^data:image/(?:svg\\+xml|png);base64,[A-Za-z0-9+/]+={0,2}$';

/** Pattern of OAuth2 endpoint URLs: absolute `https` URLs. */
export const HTTPS_URL_PATTERN = '^https://[^\\s/?#]+[^\\s]*$';

/**
 * Upper bounds of manifest values. Per-call limits are requests: the operator's own maximums
 * cap them again when the plugin runs.
 */
export const MANIFEST_MAXIMUMS = {
  /** Maximum `limits.memoryMb` an action may request. */
  memoryMb: 1024,
  /** Minimum `limits.memoryMb`: isolated-vm's README gives 8 MB as the smallest `memoryLimit`. */
  minMemoryMb: 8,
  /** Maximum `limits.timeoutMs` (15 minutes). */
  timeoutMs: 900_000,
  /** Maximum `limits.cpuTimeMs` (15 minutes). */
  cpuTimeMs: 900_000,
  actions: 200,
  triggers: 50,
  credentialTypes: 50,
  hosts: 100,
  /** Ports per direction of one action. */
  ports: 32,
  credentialSlots: 16,
  /** Maximum length of `icon` in characters, about 75 KB of base64 image data. */
  iconLength: 100_000,
  displayNameLength: 100,
  descriptionLength: 2000,
} as const;

const displayName = {
  type: 'string',
  minLength: 1,
  maxLength: MANIFEST_MAXIMUMS.displayNameLength,
} as const;
const description = {
  type: 'string',
  maxLength: MANIFEST_MAXIMUMS.descriptionLength,
} as const;
const actionName = { type: 'string', pattern: ACTION_NAME_PATTERN } as const;
const jsonSchemaObject = { type: 'object' } as const;

const credentialSlotSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slot', 'type'],
  properties: {
    slot: { type: 'string', pattern: PORT_NAME_PATTERN },
    type: actionName,
    required: { type: 'boolean' },
  },
} as const;

const credentialSlotsSchema = {
  type: 'array',
  maxItems: MANIFEST_MAXIMUMS.credentialSlots,
  items: credentialSlotSchema,
} as const;

const portSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: PORT_NAME_PATTERN },
    displayName,
    schema: jsonSchemaObject,
  },
} as const;

const portsSchema = {
  type: 'array',
  maxItems: MANIFEST_MAXIMUMS.ports,
  items: portSchema,
} as const;

const credentialTypeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'displayName', 'schema'],
  properties: {
    name: actionName,
    displayName,
    description,
    schema: jsonSchemaObject,
    oauth2: {
      type: 'object',
      additionalProperties: false,
      required: ['authorizationUrl', 'tokenUrl'],
      properties: {
        authorizationUrl: { type: 'string', pattern: HTTPS_URL_PATTERN },
        tokenUrl: { type: 'string', pattern: HTTPS_URL_PATTERN },
        scopes: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 512 } },
        scopeSeparator: { type: 'string', minLength: 1, maxLength: 4 },
        pkce: { type: 'boolean' },
        clientAuthentication: { type: 'string', enum: ['client_secret_basic', 'client_secret_post'] },
        authorizationParams: {
          type: 'object',
          maxProperties: 20,
          propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
          additionalProperties: { type: 'string', maxLength: 512 },
        },
      },
    },
    test: {
      type: 'object',
      additionalProperties: false,
      required: ['action'],
      properties: { action: actionName },
    },
    platform: {
      type: 'object',
      additionalProperties: false,
      required: ['env'],
      properties: {
        env: {
          type: 'object',
          minProperties: 1,
          maxProperties: 20,
          propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' },
          additionalProperties: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,127}$' },
        },
      },
    },
    baseUrlProperty: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
} as const;

const actionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'displayName', 'description', 'configSchema', 'inputs', 'outputs'],
  properties: {
    name: actionName,
    version: { type: 'integer', minimum: 1, maximum: 999_999 },
    displayName,
    description,
    group: { type: 'string', minLength: 1, maxLength: MANIFEST_MAXIMUMS.displayNameLength },
    configSchema: jsonSchemaObject,
    inputs: portsSchema,
    outputs: portsSchema,
    outputsFromConfig: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'key'],
      properties: {
        path: { type: 'string', pattern: '^(?:/[^/]*)+$' },
        key: { type: 'string', minLength: 1 },
      },
    },
    credentialSlots: credentialSlotsSchema,
    credits: {
      type: 'object',
      additionalProperties: false,
      dependencies: { perUnit: ['unit'], maxUnits: ['perUnit'] },
      properties: {
        fixed: { type: 'number', minimum: 0 },
        perUnit: { type: 'number', minimum: 0 },
        unit: { type: 'string', minLength: 1, maxLength: 32 },
        maxUnits: { type: 'number', minimum: 0 },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        memoryMb: {
          type: 'integer',
          minimum: MANIFEST_MAXIMUMS.minMemoryMb,
          maximum: MANIFEST_MAXIMUMS.memoryMb,
        },
        timeoutMs: { type: 'integer', minimum: 1, maximum: MANIFEST_MAXIMUMS.timeoutMs },
        cpuTimeMs: { type: 'integer', minimum: 1, maximum: MANIFEST_MAXIMUMS.cpuTimeMs },
      },
    },
  },
} as const;

const triggerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'displayName', 'description', 'kind', 'configSchema'],
  properties: {
    name: actionName,
    displayName,
    description,
    kind: { type: 'string', enum: ['webhook', 'polling'] },
    configSchema: jsonSchemaObject,
    credentialSlots: credentialSlotsSchema,
    limits: actionSchema.properties.limits,
  },
} as const;

/** JSON Schema of a plugin manifest. */
export const PLUGIN_MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'GestorLead Studio plugin manifest',
  type: 'object',
  additionalProperties: false,
  required: [
    'name',
    'version',
    'runtime',
    'displayName',
    'description',
    'permissions',
    'credentialTypes',
    'actions',
    'triggers',
  ],
  properties: {
    name: { type: 'string', pattern: PLUGIN_NAME_PATTERN },
    version: { type: 'string', pattern: SEMVER_PATTERN },
    runtime: { type: 'string' },
    displayName,
    description,
    icon: { type: 'string', maxLength: MANIFEST_MAXIMUMS.iconLength, pattern: ICON_PATTERN },
    permissions: {
      type: 'object',
      additionalProperties: false,
      required: ['hosts'],
      properties: {
        hosts: {
          type: 'array',
          maxItems: MANIFEST_MAXIMUMS.hosts,
          uniqueItems: true,
          items: { type: 'string' },
        },
        topUpCredits: { type: 'boolean' },
      },
    },
    credentialTypes: {
      type: 'array',
      maxItems: MANIFEST_MAXIMUMS.credentialTypes,
      items: credentialTypeSchema,
    },
    actions: { type: 'array', maxItems: MANIFEST_MAXIMUMS.actions, items: actionSchema },
    triggers: { type: 'array', maxItems: MANIFEST_MAXIMUMS.triggers, items: triggerSchema },
  },
} as const;
