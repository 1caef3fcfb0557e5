/**
 * The contract between a packed plugin bundle and the sandbox that runs it. Plain data only:
 * everything here crosses the isolate boundary as a copy.
 */

/** Global name under which a bundle stores its plugin definition when it is evaluated. */
export const BUNDLE_GLOBAL = '__gestorleadPlugin';

/** Format tag of a packed plugin file. */
export const PACKAGE_FORMAT = 'gestorlead.plugin/v1';

/** Maximum wait of one `ctx.sleep` call, in milliseconds (15 minutes, the maximum action timeout). */
export const MAX_SLEEP_MS = 900_000;

/** Property name that marks a return value as values per output port. */
export const OUTPUTS_MARKER = '__gestorleadOutputs';

/** An error as it crosses the sandbox boundary, recognised by `code`. */
export interface PluginErrorData {
  code: string;
  message: string;
  retryable: boolean;
  details?: unknown;
}

/** A packed plugin: the manifest and the bundled code, as one JSON file. */
export interface PluginPackage {
  format: typeof PACKAGE_FORMAT;
  manifest: PluginManifest;
  /** The bundle: a script that assigns the plugin definition to `globalThis[BUNDLE_GLOBAL]`. */
  code: string;
  /** Hex SHA-256 of `code`. */
  sha256: string;
}

/** Egress and resource limits a plugin declares; the host enforces them. */
export interface PluginPermissions {
  /** Hosts `ctx.http` may reach: exact names or `*.example.com` wildcards. Empty means none. */
  hosts: string[];
  /**
   * Asks for `ctx.credits.topUp`. The studio grants it only to shared plugin versions (installed
   * by an admin, or bundled) and only in runs of graphs that an admin owns.
   */
  topUpCredits?: boolean;
}

/**
 * OAuth2 authorization-code settings of a credential type (RFC 6749 section 4.1). The client id
 * and secret are not part of the manifest: the studio's operator registers the studio with the
 * provider and configures them.
 */
export interface OAuth2Manifest {
  /** The provider's authorization endpoint, an absolute `https` URL. */
  authorizationUrl: string;
  /** The provider's token endpoint, an absolute `https` URL. */
  tokenUrl: string;
  /** Scopes the studio requests. */
  scopes?: string[];
  /** Separator of the scopes in the `scope` parameter; a space (RFC 6749 section 3.3) by default. */
  scopeSeparator?: string;
  /** Whether the studio sends a PKCE S256 code challenge (RFC 7636); true by default. */
  pkce?: boolean;
  /** The way the studio sends the client secret to the token endpoint; `client_secret_basic` by default. */
  clientAuthentication?: 'client_secret_basic' | 'client_secret_post';
  /**
   * Extra query parameters of the authorization request, such as `{ access_type: 'offline' }`.
   * The parameters of the flow itself (`client_id`, `state`, `code_challenge` and the others)
   * cannot be replaced.
   */
  authorizationParams?: Record<string, string>;
}

/** The check of a stored credential: the studio runs an action of the same plugin with it. */
export interface CredentialTestManifest {
  /** An action of the plugin with a credential slot of this type; the highest version runs. */
  action: string;
}

/** A credential type a plugin declares. */
export interface CredentialTypeManifest {
  name: string;
  displayName: string;
  description?: string;
  /**
   * JSON Schema of the values a user enters; properties with `format: "password"` are secret.
   * For an OAuth2 type these are the values entered besides the tokens, often none.
   */
  schema: Record<string, unknown>;
  /** OAuth2 authorization-code settings, for credential types connected through a browser. */
  oauth2?: OAuth2Manifest;
  /** The check behind `POST /v1/credentials/:id/test`. */
  test?: CredentialTestManifest;
  /**
   * The operator's platform credential of this type: the environment variable that supplies
   * each schema property, such as `{ apiKey: 'OPENAI_API_KEY' }`. A node that picks no
   * credential of this type uses these values. The studio honours it only for its own
   * first-party plugins and only for the variables it lists as platform credentials.
   */
  platform?: PlatformCredentialManifest;
  /**
   * The schema property that contains the API's base URL, such as `baseUrl`. A call with a
   * credential of this type may also reach that URL's host, besides `permissions.hosts`.
   */
  baseUrlProperty?: string;
}

/** The source of a credential type's platform credential. */
export interface PlatformCredentialManifest {
  /** Environment variable name by schema property name. */
  env: Record<string, string>;
}

/** A credential slot an action uses, filled per node with a credential of `type`. */
export interface CredentialSlotManifest {
  slot: string;
  type: string;
  required?: boolean;
}

/** Port of an action. */
export interface PortManifest {
  name: string;
  displayName?: string;
  schema?: Record<string, unknown>;
}

/** Per-call limits an action may ask for, capped by the operator's maximums. */
export interface ActionLimits {
  memoryMb?: number;
  timeoutMs?: number;
  cpuTimeMs?: number;
}

/** An action: one node type `<plugin>/<action>@<version>`. */
export interface ActionManifest {
  name: string;
  version: number;
  displayName: string;
  description: string;
  group?: string;
  configSchema: Record<string, unknown>;
  inputs: PortManifest[];
  outputs: PortManifest[];
  outputsFromConfig?: { path: string; key: string };
  credentialSlots?: CredentialSlotManifest[];
  credits?: ActionCredits;
  limits?: ActionLimits;
}

/**
 * The credits one call of an action costs: `fixed`, plus `perUnit` for each unit the action
 * reports with `ctx.reportUsage`. The studio reserves `fixed + perUnit × maxUnits` before the
 * call and charges what was used after it. The operator may change any of these prices.
 */
export interface ActionCredits {
  /** Credits each call costs, whatever it uses. */
  fixed?: number;
  /** Credits per unit of `unit`. */
  perUnit?: number;
  /** The name of a unit, such as `token` or `image`; required with `perUnit`. */
  unit?: string;
  /**
   * The units one call uses at most, reserved before the call. Without it the studio reserves
   * the operator's default (`CREDITS_DEFAULT_MAX_UNITS`).
   */
  maxUnits?: number;
}

/** A trigger a plugin offers. */
export interface TriggerManifest {
  name: string;
  displayName: string;
  description: string;
  kind: 'webhook' | 'polling';
  configSchema: Record<string, unknown>;
  credentialSlots?: CredentialSlotManifest[];
  /** Limits of each `verify` or `parse` call, capped by the operator's maximums. */
  limits?: ActionLimits;
}

/** The manifest of a plugin, validated before any of its code is loaded. */
export interface PluginManifest {
  name: string;
  version: string;
  /** Semver range of the studio runtime this plugin works with. */
  runtime: string;
  displayName: string;
  description: string;
  icon?: string;
  permissions: PluginPermissions;
  credentialTypes: CredentialTypeManifest[];
  actions: ActionManifest[];
  triggers: TriggerManifest[];
}

/** An HTTP request that a plugin sends through the host. */
export interface HttpRequestData {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  /** A string is sent as is; any other value is sent as JSON. */
  body?: unknown;
  /**
   * Binary content, base64 encoded, sent as the body instead of `body` (which must then be
   * absent). The content type defaults to `application/octet-stream`.
   */
  bodyBase64?: string;
  /** How to read the response body: `json` (default when the type is JSON), `text`, or `base64`. */
  responseType?: 'json' | 'text' | 'base64';
  timeoutMs?: number;
}

/** The host's response to an `HttpRequestData`. */
export interface HttpResponseData {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  url: string;
}

/** A credit top-up that a plugin requests with `ctx.credits.topUp`. */
export interface CreditTopUpData {
  /** The id of the studio user whose balance grows. */
  userId: string;
  /** Whole credits to add, at least 1. */
  credits: number;
  /**
   * The provider's id of the payment. The studio stores one top-up per plugin and payment id,
   * so a payment confirmed several times adds credits once.
   */
  paymentId: string;
  /** Text stored with the ledger entry. */
  reason?: string;
}

/** The result of `ctx.credits.topUp`. */
export interface CreditTopUpResult {
  /** False when the payment id had topped up before and nothing changed. */
  created: boolean;
  /** The user's balance after the top-up. */
  balance: number;
  /** The ledger entry of the top-up, new or stored before. */
  entryId: string;
}

/** A file a plugin stores as an artifact. */
export interface FilePutData {
  name: string;
  contentType: string;
  /** The content, base64 encoded. */
  base64: string;
  /** The model that generated the content, recorded with the artifact (at most 200 characters kept). */
  model?: string;
  /** The prompt that generated the content, recorded with the artifact (at most 65,536 characters kept). */
  prompt?: string;
}

/** A stored artifact. */
export interface FileRefData {
  id: string;
  name: string;
  contentType: string;
  size: number;
}

/** Data the sandbox passes to an action call, apart from the host callbacks. */
export interface ActionCallData {
  action: string;
  version: number;
  config: Record<string, unknown>;
  input: Record<string, unknown>;
  credentials: Record<string, Record<string, unknown>>;
  run: { id: string; graphId: string; nodeId: string; taskId: string; attempt: number };
  /** The port a plain return value goes to: the first output of the installed manifest. */
  outputPort?: string;
}

/** A webhook delivery as a trigger's `verify` and `parse` receive it. */
export interface WebhookRequestData {
  method: string;
  /** Header names in lowercase. */
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  /** The body as the studio parsed it: JSON and forms parsed, text as a string, other types as base64. */
  body: unknown;
  /** The raw body bytes, base64 encoded, for signature checks. */
  rawBodyBase64: string;
}

/** Data the sandbox passes to a trigger's `verify` or `parse`, apart from the host callbacks. */
export interface TriggerCallData {
  trigger: string;
  config: Record<string, unknown>;
  credentials: Record<string, Record<string, unknown>>;
  request: WebhookRequestData;
}
