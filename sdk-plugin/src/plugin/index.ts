/**
 * `@gestorlead/sdk-plugin/plugin`: what plugin code imports. esbuild bundles this module into
 * plugin code that runs in a bare V8 isolate, so nothing reachable from here may import a Node
 * built-in, Ajv, or use globals beyond the ECMAScript standard library.
 */
export * from './abi.js';
export type {
  ActionContext,
  PluginCredits,
  PluginFiles,
  PluginHttp,
  PluginLog,
  PluginLogLevel,
  PluginSignal,
  TriggerContext,
} from './context.js';
export {
  base64ToBytes,
  bytesToHex,
  hmacSha256,
  hmacSha256Hex,
  sha256,
  timingSafeEqual,
  utf8Bytes,
  type BytesInput,
} from './crypto.js';
export { applyDefaults } from './defaults.js';
export {
  defineAction,
  defineCredentialType,
  definePlugin,
  defineTrigger,
  type ActionDefinition,
  type ActionOptions,
  type AnyCredentialTypeDefinition,
  type CredentialSlotOptions,
  type CredentialTypeDefinition,
  type CredentialTypeOptions,
  type CredentialsOf,
  type OAuth2Settings,
  type OAuth2TokenValues,
  type PluginActionEntry,
  type PluginDefinition,
  type PluginOptions,
  type PluginTriggerEntry,
  type PortOption,
  type TriggerDefinition,
  type TriggerOptions,
} from './define.js';
export {
  hasErrorCode,
  PluginError,
  toPluginErrorData,
  type PluginErrorOptions,
} from './errors.js';
export {
  countCharacters,
  defineProviderKey,
  invalidProviderResponse,
  joinUrl,
  MAX_PROVIDER_MESSAGE_CHARS,
  MAX_RETRY_AFTER_MS,
  PROVIDER_ERROR_CODES,
  providerHttpError,
  providerMessageOf,
  renderPrompt,
  requestProvider,
  requireConnection,
  retryAfterMs,
  type ProviderConnection,
  type ProviderKeyOptions,
} from './provider.js';
export { isOutputsResult, normalizeActionResult, outputs, type OutputsResult } from './outputs.js';
export {
  objectSchema,
  p,
  type ArrayOptions,
  type ChoiceValue,
  type ConfigOf,
  type FileReference,
  type JsonOptions,
  type JsonSchema,
  type NumberOptions,
  type ObjectOptions,
  type PresenceOf,
  type Property,
  type PropertyMap,
  type PropertyOptions,
  type SelectChoice,
  type SelectOptions,
  type TextOptions,
  type ValueOf,
} from './properties.js';
