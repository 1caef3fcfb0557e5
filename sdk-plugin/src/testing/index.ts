/**
 * `@gestorlead/sdk-plugin/testing`: the offline test harness for plugin authors. Runs in Node
 * (vitest or any runner) without the sandbox; never import it from plugin code.
 */
export {
  createTestContext,
  TEST_RUN,
  type LogEntry,
  type StoredFile,
  type TestContext,
  type TestContextOptions,
} from './context.js';
export type { HttpHandler, HttpRouteResponse, HttpRoutes, RecordedRequest } from './http.js';
export {
  ActionFailedError,
  ActionInputError,
  runAction,
  runTrigger,
  type InputProblem,
  type RunActionOptions,
  type RunActionResult,
  type RunTriggerOptions,
  type RunTriggerResult,
} from './run.js';
