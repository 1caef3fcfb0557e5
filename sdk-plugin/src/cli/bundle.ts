/**
 * Bundling of a plugin project into one script for the sandbox, and evaluation of that script
 * in a `node:vm` context without Node globals to read the plugin definition back.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

import { build, type BuildFailure, type Message, type Plugin } from 'esbuild';

import { BUNDLE_GLOBAL, type PluginManifest } from '../plugin/abi.js';

/** Raised when esbuild cannot bundle the plugin; `messages` has one line per esbuild error. */
export class BundleError extends Error {
  readonly messages: string[];

  constructor(messages: string[]) {
    super(`bundling failed:\n${messages.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'BundleError';
    this.messages = messages;
  }
}

/** The default plugin entry module, relative to the project directory. */
export const DEFAULT_ENTRY = 'src/index.ts';

/** Maximum time, in milliseconds, that evaluating a bundle's top level may take. */
export const BUNDLE_EVALUATION_TIMEOUT_MS = 5_000;

const NODE_BUILTINS = new Set(builtinModules);
const SKIP_BUILTIN_CHECK = Symbol('skip built-in check');

/**
 * Rejects imports of Node built-ins, because the sandbox has no Node APIs. A `node:` import is
 * always rejected. A bare name such as `buffer` or `events` is allowed when it resolves to an
 * installed npm package (a polyfill) and rejected otherwise.
 */
const rejectNodeBuiltins: Plugin = {
  name: 'gestorlead-reject-node-builtins',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === SKIP_BUILTIN_CHECK) {
        return undefined;
      }
      const isPrefixed = args.path.startsWith('node:');
      if (!isPrefixed && !NODE_BUILTINS.has(args.path)) {
        return undefined;
      }
      if (!isPrefixed) {
        const resolved = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: SKIP_BUILTIN_CHECK,
        });
        if (resolved.errors.length === 0 && resolved.path !== '') {
          return { path: resolved.path, namespace: resolved.namespace };
        }
      }
      return {
        errors: [
          {
            text:
              `imports the Node built-in "${args.path}", but plugin code runs in a sandbox without ` +
              'Node APIs: use ctx.http for HTTP and ctx.files for files',
          },
        ],
      };
    });
  },
};

function formatMessage(message: Message): string {
  const location = message.location;
  if (location === null) {
    return message.text;
  }
  return `${location.file}:${location.line}:${location.column + 1}: ${message.text}`;
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

/**
 * Bundles the plugin whose entry module is `entry` (relative to `projectDir`) into one IIFE
 * script that ends by assigning the entry's default export to `globalThis[BUNDLE_GLOBAL]`.
 * The output is ES2022, not minified, and the same bytes for the same sources and directory
 * layout: esbuild writes each module's path into a comment, relative to `projectDir` after
 * symlinks are resolved, and no timestamps.
 * Throws a `BundleError` with esbuild's messages, including imports of Node built-ins.
 */
export async function bundlePlugin(projectDir: string, entry: string = DEFAULT_ENTRY): Promise<string> {
  const absoluteDir = path.resolve(projectDir);
  const entryPath = './' + entry.split(path.sep).join('/').replace(/^\.\//, '');
  const contents =
    `import * as entry from ${JSON.stringify(entryPath)};\n` +
    `globalThis[${JSON.stringify(BUNDLE_GLOBAL)}] = entry.default;\n`;

  try {
    const result = await build({
      stdin: { contents, resolveDir: absoluteDir, sourcefile: 'gestorlead-plugin-entry.js', loader: 'js' },
      absWorkingDir: absoluteDir,
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      target: 'es2022',
      minify: false,
      sourcemap: false,
      // Keeps license comments in place, so the bundle still ends with the assignment.
      legalComments: 'inline',
      mainFields: ['module', 'main'],
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [rejectNodeBuiltins],
      logLevel: 'silent',
    });
    return result.outputFiles[0].text;
  } catch (error) {
    if (isBuildFailure(error)) {
      throw new BundleError(error.errors.map(formatMessage));
    }
    throw error;
  }
}

/** The manifest of a bundle, read back by evaluating it, and its mismatches. */
export interface LoadedBundle {
  manifest: PluginManifest;
  /** Mismatches between the manifest and the functions the bundle provides. */
  problems: { pointer: string; message: string; code: 'PLUGIN_BUNDLE_INVALID' }[];
}

/** Raised when a bundle cannot be evaluated or defines no plugin. */
export class BundleEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleEvaluationError';
  }
}

// Runs inside the bundle's context, so it reads only what the bundle defined.
const DESCRIBE_DEFINITION = `(() => {
  const definition = globalThis[${JSON.stringify(BUNDLE_GLOBAL)}];
  if (definition === null || typeof definition !== 'object' || definition.manifest === null || typeof definition.manifest !== 'object') {
    return JSON.stringify({ missing: true, type: definition === null ? 'null' : typeof definition });
  }
  const describe = (list, fields) => Array.isArray(list)
    ? list.map((item) => Object.fromEntries(fields.map((field) => [field, typeof item?.[field] === 'function' ? 'function' : item?.[field]])))
    : [];
  return JSON.stringify({
    manifest: definition.manifest,
    actions: describe(definition.actions, ['name', 'version', 'run']),
    triggers: describe(definition.triggers, ['name', 'verify', 'parse']),
  });
})()`;

interface DefinitionSummary {
  missing?: boolean;
  type?: string;
  manifest: PluginManifest;
  actions: { name?: unknown; version?: unknown; run?: unknown }[];
  triggers: { name?: unknown; verify?: unknown; parse?: unknown }[];
}

function checkRuntimePieces(summary: DefinitionSummary): LoadedBundle['problems'] {
  const problems: LoadedBundle['problems'] = [];
  const manifestActions = Array.isArray(summary.manifest.actions) ? summary.manifest.actions : [];
  manifestActions.forEach((action, index) => {
    const entry = summary.actions.find((item) => item.name === action?.name && item.version === action?.version);
    if (entry?.run !== 'function') {
      problems.push({
        pointer: `/actions/${index}`,
        message: `action "${action?.name}" version ${action?.version} has no run function in the definition's actions`,
        code: 'PLUGIN_BUNDLE_INVALID',
      });
    }
  });

  const manifestTriggers = Array.isArray(summary.manifest.triggers) ? summary.manifest.triggers : [];
  manifestTriggers.forEach((trigger, index) => {
    if (!summary.triggers.some((item) => item.name === trigger?.name)) {
      problems.push({
        pointer: `/triggers/${index}`,
        message: `trigger "${trigger?.name}" is missing from the definition's triggers`,
        code: 'PLUGIN_BUNDLE_INVALID',
      });
    }
  });
  return problems;
}

/**
 * Evaluates a bundle in a fresh `node:vm` context, which has the ECMAScript built-ins but no
 * Node globals (`process`, `Buffer`, `require`, timers, `fetch`), and returns the plugin's
 * manifest as JSON. The top level may run for `BUNDLE_EVALUATION_TIMEOUT_MS`.
 * NOTE: A `node:vm` context is close to the sandbox's isolate but not the same: it is not a
 * security boundary, and it lacks some globals that the sandbox may add.
 * Throws a `BundleEvaluationError` when evaluation throws or the bundle defines no plugin.
 */
export function loadBundle(code: string): LoadedBundle {
  const context = vm.createContext({});
  let summaryText: unknown;
  try {
    new vm.Script(code, { filename: 'plugin-bundle.js' }).runInContext(context, {
      timeout: BUNDLE_EVALUATION_TIMEOUT_MS,
    });
    summaryText = new vm.Script(DESCRIBE_DEFINITION).runInContext(context, {
      timeout: BUNDLE_EVALUATION_TIMEOUT_MS,
    });
  } catch (error) {
    // Errors thrown inside the context come from its own realm, so `instanceof Error` fails.
    const reason =
      error !== null && typeof error === 'object' && 'message' in error
        ? `${String((error as { name?: unknown }).name ?? 'Error')}: ${String(error.message)}`
        : String(error);
    throw new BundleEvaluationError(
      `evaluating the bundle failed: ${reason}. Plugin code runs without Node globals ` +
        '(process, Buffer, require, timers, fetch); use only ctx and the ECMAScript standard library',
    );
  }

  const summary = JSON.parse(String(summaryText)) as DefinitionSummary;
  if (summary.missing === true) {
    throw new BundleEvaluationError(
      `the entry module's default export is ${summary.type}, not a plugin definition: ` +
        'end it with export default definePlugin({ ... })',
    );
  }
  return { manifest: summary.manifest, problems: checkRuntimePieces(summary) };
}
