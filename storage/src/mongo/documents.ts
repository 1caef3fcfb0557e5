/** Every document type of the MongoDB store, for the modules that handle all collections. */
export type * from './account-documents.js';
export type * from './output-documents.js';
export type * from './run-documents.js';
export type { GuardDoc } from './schemas.js';
