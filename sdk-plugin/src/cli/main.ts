/**
 * The `gestorlead-plugin` command line: `init`, `validate`, `pack`, `test` and `publish`.
 * `main` returns the exit code instead of exiting, so tests can call it in process.
 */
import { parseArgs } from 'node:util';

import { BundleError, BundleEvaluationError, DEFAULT_ENTRY } from './bundle.js';
import { initCommand, readSdkVersion } from './commands/init.js';
import { packCommand } from './commands/pack.js';
import { publishCommand } from './commands/publish.js';
import { testCommand } from './commands/test.js';
import { validateCommand } from './commands/validate.js';
import { processIo, UsageError, type CliIo } from './io.js';

/** Default of `publish --timeout-ms`. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 60_000;

/** The help text. */
export const USAGE = `Usage: gestorlead-plugin <command> [options]

Commands:
  init <dir> [--name <name>]       Create a plugin project from the template in <dir>,
                                   which must be missing or empty
  validate [dir]                   Bundle the plugin and check its manifest
  pack [dir] [--out <file>]        Write the package, by default to
                                   <dir>/dist/<name>-<version>.plugin.json
  test [dir] [-- <vitest options>] Run the plugin's tests with vitest run
  publish [file|dir] --url <url>   Upload a package file, or a directory packed in memory,
          [--token <token>]        to POST <url>/v1/plugins
          [--timeout-ms <ms>]      Maximum wait for the studio (default ${DEFAULT_PUBLISH_TIMEOUT_MS})

Options:
  --entry <file>   Entry module, relative to <dir> (default ${DEFAULT_ENTRY}); its default
                   export must be definePlugin({ ... })
  -h, --help       Print this help
  -v, --version    Print the SDK version

[dir] defaults to the current directory. publish reads GESTORLEAD_STUDIO_URL and
GESTORLEAD_STUDIO_TOKEN when --url or --token is absent.
Exit codes: 0 success, 1 problems found or a command failed, 2 wrong usage.
`;

const OPTIONS = {
  name: { type: 'string' },
  out: { type: 'string' },
  entry: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type ParsedValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  init: ['name'],
  validate: ['entry'],
  pack: ['entry', 'out'],
  test: [],
  publish: ['entry', 'url', 'token', 'timeout-ms'],
};

function parseCommandLine(argv: readonly string[]): {
  values: ParsedValues;
  positionals: string[];
  passThrough: string[];
} {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? [...argv] : argv.slice(0, separator);
  const passThrough = separator === -1 ? [] : argv.slice(separator + 1);
  try {
    const { values, positionals } = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
    return { values, positionals, passThrough };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function optionalDirectory(positionals: readonly string[], command: string): string {
  if (positionals.length > 1) {
    throw new UsageError(`${command} takes at most one directory, not: ${positionals.join(' ')}`);
  }
  return positionals[0] ?? '.';
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) {
    return DEFAULT_PUBLISH_TIMEOUT_MS;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new UsageError(`--timeout-ms must be a positive whole number of milliseconds, not "${text}"`);
  }
  return value;
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version') {
    io.stdout(`${await readSdkVersion()}\n`);
    return 0;
  }

  const allowed = COMMAND_OPTIONS[command];
  if (allowed === undefined) {
    throw new UsageError(`unknown command "${command}"; the commands are init, validate, pack, test and publish`);
  }
  const { values, positionals, passThrough } = parseCommandLine(rest);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  for (const option of Object.keys(values)) {
    if (!allowed.includes(option)) {
      throw new UsageError(`${command} has no option --${option}`);
    }
  }
  if (passThrough.length > 0 && command !== 'test') {
    throw new UsageError(`only test passes options after "--" on, to vitest`);
  }
  const entry = values.entry ?? DEFAULT_ENTRY;

  switch (command) {
    case 'init':
      if (positionals.length !== 1) {
        throw new UsageError('init takes one directory: gestorlead-plugin init <dir> [--name <name>]');
      }
      return initCommand(positionals[0], values.name, io);
    case 'validate':
      return validateCommand(optionalDirectory(positionals, command), entry, io);
    case 'pack':
      return packCommand(optionalDirectory(positionals, command), entry, values.out, io);
    case 'test':
      return testCommand(optionalDirectory(positionals, command), passThrough, io);
    default: {
      const url = values.url ?? io.env.GESTORLEAD_STUDIO_URL;
      if (url === undefined || url === '') {
        throw new UsageError('publish needs the studio URL: pass --url http://127.0.0.1:8000 or set GESTORLEAD_STUDIO_URL');
      }
      return publishCommand(
        {
          target: optionalDirectory(positionals, command),
          entry,
          url,
          token: values.token ?? io.env.GESTORLEAD_STUDIO_TOKEN,
          timeoutMs: parseTimeout(values['timeout-ms']),
        },
        io,
      );
    }
  }
}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit code.
 * Usage errors print the message and a hint, bundling and evaluation errors print their
 * messages, and both return a non-zero code instead of throwing.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\nRun gestorlead-plugin --help for usage.\n`);
      return 2;
    }
    if (error instanceof BundleError || error instanceof BundleEvaluationError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
