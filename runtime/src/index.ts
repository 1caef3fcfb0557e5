export { createStudio, type Studio, type StudioOptions } from './app.js';
export { loadConfig, type RuntimeConfig } from './config.js';
export { createLogger } from './logger.js';
export * from './errors.js';
export * from './executor/node-type.js';
export { InMemoryNodeTypeRegistry } from './executor/registry.js';
export { BUILT_IN_NODE_TYPES } from './nodes/index.js';
export { signWebhook } from './webhooks/verify.js';
