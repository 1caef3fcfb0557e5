/**
 * Factories that turn a plugin author's declarations into a manifest (plain JSON) and the
 * runtime pieces the sandbox calls. Runs inside the plugin sandbox, so it uses no Node built-ins.
 */
import type {
  ActionLimits,
  ActionManifest,
  CredentialSlotManifest,
  CredentialTypeManifest,
  PluginManifest,
  PortManifest,
  TriggerManifest,
} from './abi.js';
import type { ActionContext, TriggerContext } from './context.js';
import { applyDefaults } from './defaults.js';
import { objectSchema, type ConfigOf, type PropertyMap } from './properties.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/* ------------------------------------------------------------------ credential types */

/**
 * OAuth2 authorization-code settings of a credential type: the provider's endpoints, scopes,
 * PKCE (on by default) and how the client secret is sent. The operator configures the client
 * id and secret in the studio, so they are not part of the plugin.
 */
export type OAuth2Settings = NonNullable<CredentialTypeManifest['oauth2']>;

/** Options of `defineCredentialType`. */
export interface CredentialTypeOptions<P extends PropertyMap> {
  /** Name that credential slots refer to, such as `apiKey`. */
  name: string;
  displayName: string;
  description?: string;
  /**
   * The values a user enters, as property builders; use `p.secret` for secrets. An OAuth2 type
   * often has none, because the studio stores the tokens itself.
   */
  properties: P;
  /**
   * Makes the type an OAuth2 connection. The user connects it through the provider's consent
   * page, and actions receive `accessToken`, `tokenType`, `expiresAt` (ISO-8601, when the
   * provider sets an expiry) and `scopes` besides the values of `properties`. The studio
   * refreshes the access token before it expires and never hands the refresh token to plugin
   * code.
   */
  oauth2?: OAuth2Settings;
  /**
   * The check behind the studio's "Test" button: the name of an action of this plugin with a
   * credential slot of this type. The studio runs it with an empty config and input, and the
   * test passes when the action returns without an error.
   */
  test?: { action: string };
  /**
   * The environment variable that supplies each property of the operator's platform
   * credential, such as `{ apiKey: 'OPENAI_API_KEY' }`. Nodes that pick no credential of this
   * type use those values. Only the studio's first-party plugins get them.
   */
  platformEnv?: Partial<Record<keyof P & string, string>>;
  /** The property that contains the API's base URL. Calls with the credential may reach its host. */
  baseUrlProperty?: keyof P & string;
}

/** A credential type as any action or plugin can reference it. */
export interface AnyCredentialTypeDefinition {
  readonly name: string;
  readonly manifest: CredentialTypeManifest;
}

/** The token fields an action receives from an OAuth2 credential, besides its properties. */
export interface OAuth2TokenValues {
  accessToken: string;
  /** Lowercase, usually `bearer`. */
  tokenType: string;
  /** When the access token expires (ISO-8601), when the provider sent an expiry. */
  expiresAt?: string;
  /** The granted scopes, when the provider listed them or the type requested some. */
  scopes?: string[];
}

/**
 * A declared credential type; `P` types the values actions receive, and `Extra` the fields the
 * studio adds (the tokens of an OAuth2 type).
 */
export interface CredentialTypeDefinition<P extends PropertyMap = PropertyMap, Extra = {}>
  extends AnyCredentialTypeDefinition {
  /** Type-only marker; never set at run time. */
  readonly '~types'?: { values: ConfigOf<P> & Extra };
}

/**
 * Declares a credential type. Its `manifest.schema` is the JSON Schema built from `properties`,
 * and `p.secret` properties carry `format: "password"` and `writeOnly: true`. With `oauth2`,
 * the values actions receive also have the `OAuth2TokenValues` fields.
 */
export function defineCredentialType<const P extends PropertyMap>(
  options: CredentialTypeOptions<P> & { oauth2: OAuth2Settings },
): CredentialTypeDefinition<P, OAuth2TokenValues>;
export function defineCredentialType<const P extends PropertyMap>(
  options: CredentialTypeOptions<P>,
): CredentialTypeDefinition<P>;
export function defineCredentialType<const P extends PropertyMap>(
  options: CredentialTypeOptions<P>,
): CredentialTypeDefinition<P> {
  const manifest: CredentialTypeManifest = {
    name: options.name,
    displayName: options.displayName,
    ...(options.description !== undefined ? { description: options.description } : {}),
    schema: copyJson(objectSchema(options.properties)),
    ...(options.oauth2 !== undefined ? { oauth2: copyJson(options.oauth2) } : {}),
    ...(options.test !== undefined ? { test: { action: options.test.action } } : {}),
    ...(options.platformEnv !== undefined ? { platform: { env: copyJson(options.platformEnv) as Record<string, string> } } : {}),
    ...(options.baseUrlProperty !== undefined ? { baseUrlProperty: options.baseUrlProperty } : {}),
  };
  return { name: options.name, manifest };
}

/* ------------------------------------------------------------------ credential slots */

/** A credential slot of an action or trigger. */
export interface CredentialSlotOptions {
  /** Key of the values in `ctx.credentials`, such as `account`. */
  readonly slot: string;
  /** The credential type: a `defineCredentialType` result (typed values) or its name. */
  readonly type: string | AnyCredentialTypeDefinition;
  /** When true, a node cannot run without a credential in this slot. */
  readonly required?: boolean;
}

type CredentialValuesOf<T> =
  T extends CredentialTypeDefinition<infer P, infer Extra>
    ? {} extends Extra
      ? ConfigOf<P>
      : Simplify<ConfigOf<P> & Extra>
    : Record<string, unknown>;

/**
 * The type of `ctx.credentials` for a list of slots. Values of required slots are always
 * present, and values of other slots may be `undefined`.
 */
export type CredentialsOf<S extends readonly CredentialSlotOptions[]> = Simplify<{
  -readonly [E in S[number] as E['slot']]: E extends { readonly required: true }
    ? CredentialValuesOf<E['type']>
    : CredentialValuesOf<E['type']> | undefined;
}>;

function slotManifests(slots: readonly CredentialSlotOptions[]): CredentialSlotManifest[] {
  return slots.map((slot) => {
    const manifest: CredentialSlotManifest = {
      slot: slot.slot,
      type: typeof slot.type === 'string' ? slot.type : slot.type.name,
    };
    if (slot.required !== undefined) {
      manifest.required = slot.required;
    }
    return manifest;
  });
}

function referencedCredentialTypes(
  slots: readonly CredentialSlotOptions[],
): AnyCredentialTypeDefinition[] {
  const types: AnyCredentialTypeDefinition[] = [];
  for (const slot of slots) {
    if (typeof slot.type !== 'string' && !types.includes(slot.type)) {
      types.push(slot.type);
    }
  }
  return types;
}

/**
 * Returns the credentials with the defaults of each slot's credential type applied. Slots
 * whose type is given by name keep their values as they are.
 */
function credentialsWithDefaults(
  slots: readonly CredentialSlotOptions[],
  credentials: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...credentials };
  for (const slot of slots) {
    if (typeof slot.type !== 'string' && result[slot.slot] !== undefined) {
      result[slot.slot] = applyDefaults(slot.type.manifest.schema, result[slot.slot]);
    }
  }
  return result;
}

/**
 * Returns a context like `ctx` with `config` and `credentials` replaced. Own properties are
 * copied and the prototype is kept, so a context built as a class instance keeps its methods.
 */
function withValues<T extends object>(ctx: T, values: Record<string, unknown>): T {
  const copy = Object.create(Object.getPrototypeOf(ctx) as object | null) as T;
  return Object.assign(copy, ctx, values);
}

/* ------------------------------------------------------------------ actions */

/** A port given by name only, or in full. */
export type PortOption = string | PortManifest;

function portManifests(ports: readonly PortOption[]): PortManifest[] {
  return ports.map((port) => (typeof port === 'string' ? { name: port } : copyJson(port)));
}

/** Options of `defineAction`. */
export interface ActionOptions<C extends PropertyMap, S extends readonly CredentialSlotOptions[]> {
  /** Action name; the node type is `<plugin>/<name>@<version>`. */
  name: string;
  /** Major version: bump it when a change breaks existing graphs, and keep the old action. */
  version: number;
  displayName: string;
  description: string;
  /** Palette group in the builder, such as `Email`. */
  group?: string;
  /** The node's config, as property builders. */
  config: C;
  /** Input ports; defaults to `['in']`. */
  inputs?: readonly PortOption[];
  /** Output ports; defaults to `['out']`. A plain return value goes to the first one. */
  outputs?: readonly PortOption[];
  /** Extra output ports named by the items of a config array (see `ActionManifest`). */
  outputsFromConfig?: { path: string; key: string };
  credentials?: S;
  /** Credits one call costs. */
  credits?: ActionManifest['credits'];
  /** Per-call resource limits; the operator's maximums cap them. */
  limits?: ActionLimits;
  /**
   * Does the work. Returns the value for the first output port, or `outputs({ ... })` for
   * named ports, and throws a `PluginError` to fail the task.
   */
  run(ctx: ActionContext<ConfigOf<C>, CredentialsOf<S>>): unknown;
}

/** Runtime form of an action: what the sandbox calls. */
export interface PluginActionEntry {
  readonly name: string;
  readonly version: number;
  /** Applies config and credential defaults, then calls the author's `run`. */
  run(ctx: ActionContext): Promise<unknown>;
}

/** A declared action; `Config` and `Credentials` are the types its `run` receives. */
export interface ActionDefinition<Config = Record<string, unknown>, Credentials = unknown>
  extends PluginActionEntry {
  readonly manifest: ActionManifest;
  /** Credential types that the slots reference as definitions; `definePlugin` declares them. */
  readonly credentialTypes: readonly AnyCredentialTypeDefinition[];
  /** Type-only marker; never set at run time. */
  readonly '~types'?: { config: Config; credentials: Credentials };
}

/**
 * Declares an action: one node type. `ctx.config` is typed from `config`, where required
 * properties and properties with a default are non-optional. `ctx.credentials` is typed from
 * `credentials`.
 */
export function defineAction<
  const C extends PropertyMap,
  const S extends readonly CredentialSlotOptions[] = [],
>(options: ActionOptions<C, S>): ActionDefinition<ConfigOf<C>, CredentialsOf<S>> {
  const configSchema = objectSchema(options.config);
  const slots = options.credentials ?? [];

  const manifest: ActionManifest = {
    name: options.name,
    version: options.version,
    displayName: options.displayName,
    description: options.description,
    ...(options.group !== undefined ? { group: options.group } : {}),
    configSchema: copyJson(configSchema),
    inputs: portManifests(options.inputs ?? ['in']),
    outputs: portManifests(options.outputs ?? ['out']),
    ...(options.outputsFromConfig !== undefined
      ? { outputsFromConfig: { ...options.outputsFromConfig } }
      : {}),
    ...(slots.length > 0 ? { credentialSlots: slotManifests(slots) } : {}),
    ...(options.credits !== undefined ? { credits: copyJson(options.credits) } : {}),
    ...(options.limits !== undefined ? { limits: copyJson(options.limits) } : {}),
  };

  const authorRun = options.run;
  return {
    name: options.name,
    version: options.version,
    manifest,
    credentialTypes: referencedCredentialTypes(slots),
    async run(ctx: ActionContext): Promise<unknown> {
      const config = applyDefaults(configSchema, ctx.config ?? {});
      const credentials = credentialsWithDefaults(slots, ctx.credentials);
      const prepared = withValues(ctx, { config, credentials });
      return authorRun(prepared as unknown as ActionContext<ConfigOf<C>, CredentialsOf<S>>);
    },
  };
}

/* ------------------------------------------------------------------ triggers */

/** Options of `defineTrigger`. */
export interface TriggerOptions<C extends PropertyMap, S extends readonly CredentialSlotOptions[]> {
  name: string;
  displayName: string;
  description: string;
  /** `webhook`: the studio receives deliveries; `polling`: the studio checks on a schedule. */
  kind: 'webhook' | 'polling';
  config: C;
  credentials?: S;
  /** Memory, CPU time and wall-clock limits of each `verify` or `parse` call. */
  limits?: ActionLimits;
  /** Returns whether a delivery is authentic, for example by checking its signature. */
  verify?(ctx: TriggerContext<ConfigOf<C>, CredentialsOf<S>>): boolean | Promise<boolean>;
  /**
   * Returns the run's `event` for a delivery, or `null` to ignore the delivery: the studio then
   * replies 200 `{ ignored: true }` and starts no run.
   */
  parse?(ctx: TriggerContext<ConfigOf<C>, CredentialsOf<S>>): unknown;
}

/** Runtime form of a trigger: what the sandbox calls. */
export interface PluginTriggerEntry {
  readonly name: string;
  /** Applies config and credential defaults, then calls the author's `verify`. */
  readonly verify?: (ctx: TriggerContext) => Promise<boolean>;
  /** Applies config and credential defaults, then calls the author's `parse`. */
  readonly parse?: (ctx: TriggerContext) => Promise<unknown>;
}

/** A declared trigger. */
export interface TriggerDefinition extends PluginTriggerEntry {
  readonly manifest: TriggerManifest;
  /** Credential types that the slots reference as definitions; `definePlugin` declares them. */
  readonly credentialTypes: readonly AnyCredentialTypeDefinition[];
}

/**
 * Declares a trigger, which starts runs.
 * @experimental The studio's handling of plugin triggers, polling in particular, may change
 * what `verify` and `parse` receive.
 */
export function defineTrigger<
  const C extends PropertyMap,
  const S extends readonly CredentialSlotOptions[] = [],
>(options: TriggerOptions<C, S>): TriggerDefinition {
  const configSchema = objectSchema(options.config);
  const slots = options.credentials ?? [];

  const manifest: TriggerManifest = {
    name: options.name,
    displayName: options.displayName,
    description: options.description,
    kind: options.kind,
    configSchema: copyJson(configSchema),
    ...(slots.length > 0 ? { credentialSlots: slotManifests(slots) } : {}),
    ...(options.limits !== undefined ? { limits: copyJson(options.limits) } : {}),
  };

  type AuthorContext = TriggerContext<ConfigOf<C>, CredentialsOf<S>>;
  const prepare = (ctx: TriggerContext): AuthorContext => {
    const config = applyDefaults(configSchema, ctx.config ?? {});
    const credentials = credentialsWithDefaults(slots, ctx.credentials);
    return withValues(ctx, { config, credentials }) as unknown as AuthorContext;
  };

  const definition: {
    name: string;
    manifest: TriggerManifest;
    credentialTypes: AnyCredentialTypeDefinition[];
    verify?: (ctx: TriggerContext) => Promise<boolean>;
    parse?: (ctx: TriggerContext) => Promise<unknown>;
  } = { name: options.name, manifest, credentialTypes: referencedCredentialTypes(slots) };

  const verify = options.verify;
  if (verify !== undefined) {
    definition.verify = async (ctx) => (await verify(prepare(ctx))) === true;
  }
  const parse = options.parse;
  if (parse !== undefined) {
    definition.parse = async (ctx) => parse(prepare(ctx));
  }
  return definition;
}

/* ------------------------------------------------------------------ plugins */

/** Options of `definePlugin`. */
export interface PluginOptions {
  /** Plugin name, the first part of each node type: lowercase letters, digits and `-`. */
  name: string;
  /** Semver version of the plugin, such as `1.4.0`. */
  version: string;
  /** Semver range of studio runtimes the plugin works with, such as `^0.1.0`. */
  runtime: string;
  displayName: string;
  description: string;
  /** A `data:image/svg+xml;base64,…` or `data:image/png;base64,…` URI. */
  icon?: string;
  /** Hosts `ctx.http` may reach, and whether the plugin requests `ctx.credits.topUp`. */
  permissions: { hosts: readonly string[]; topUpCredits?: boolean };
  /** Credential types; types that slots reference as definitions are added after these. */
  credentialTypes?: readonly AnyCredentialTypeDefinition[];
  actions: readonly ActionDefinition<unknown, unknown>[];
  triggers?: readonly TriggerDefinition[];
}

/** A plugin: its manifest and the functions the sandbox calls. Bundles export this. */
export interface PluginDefinition {
  readonly manifest: PluginManifest;
  readonly actions: readonly PluginActionEntry[];
  readonly triggers: readonly PluginTriggerEntry[];
}

/**
 * Declares a plugin. The manifest lists the credential types, actions and triggers in the
 * order given. Nothing is validated here: `gestorlead-plugin validate` and the studio run
 * `validateManifest` on the result.
 */
export function definePlugin(options: PluginOptions): PluginDefinition {
  const actions = options.actions;
  const triggers = options.triggers ?? [];

  const credentialTypes = [...(options.credentialTypes ?? [])];
  const referenced = [...actions, ...triggers].flatMap((item) => item.credentialTypes);
  for (const type of referenced) {
    if (!credentialTypes.includes(type)) {
      credentialTypes.push(type);
    }
  }

  const manifest: PluginManifest = {
    name: options.name,
    version: options.version,
    runtime: options.runtime,
    displayName: options.displayName,
    description: options.description,
    ...(options.icon !== undefined ? { icon: options.icon } : {}),
    permissions: {
      hosts: [...options.permissions.hosts],
      ...(options.permissions.topUpCredits !== undefined ? { topUpCredits: options.permissions.topUpCredits } : {}),
    },
    credentialTypes: credentialTypes.map((type) => copyJson(type.manifest)),
    actions: actions.map((action) => copyJson(action.manifest)),
    triggers: triggers.map((trigger) => copyJson(trigger.manifest)),
  };

  return {
    manifest,
    actions: actions.map((action) => ({
      name: action.name,
      version: action.version,
      run: action.run,
    })),
    triggers: triggers.map((trigger) => {
      const entry: { name: string; verify?: PluginTriggerEntry['verify']; parse?: PluginTriggerEntry['parse'] } = {
        name: trigger.name,
      };
      if (trigger.verify !== undefined) {
        entry.verify = trigger.verify;
      }
      if (trigger.parse !== undefined) {
        entry.parse = trigger.parse;
      }
      return entry;
    }),
  };
}
