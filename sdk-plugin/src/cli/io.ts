/** Output streams, working directory and environment of CLI commands. */

/** Output streams, working directory and environment of one CLI invocation. */
export interface CliIo {
  /** Writes to standard output; the text includes its line breaks. */
  stdout(text: string): void;
  /** Writes to standard error; the text includes its line breaks. */
  stderr(text: string): void;
  /** Directory that relative paths start from. */
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * When true, child processes (`test`) share this process's terminal, which keeps vitest's
   * colors. When false, their output goes through `stdout` and `stderr`.
   */
  inheritStdio: boolean;
}

/** Returns the IO of the running process: its streams, directory and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    inheritStdio: true,
  };
}

/** Raised for a wrong command line; the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
