export * from './graph/types.js';
export * from './node-type.js';
