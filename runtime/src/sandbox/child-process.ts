/**
 * One sandbox child process on the pool's side: spawning, messages, heartbeats, and the calls
 * it runs. The pool decides what happens when a child becomes ready, retires or exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { ChildMessage, ChildSettings, ParentMessage } from './protocol.js';

/** The child entry: plain JavaScript, so it starts without a TypeScript loader. */
const CHILD_ENTRY = fileURLToPath(new URL('./sandbox-child.mjs', import.meta.url));

/** Bytes of the child's stdout and stderr kept for the log of its exit. */
const OUTPUT_TAIL_BYTES = 4096;

/** Lifecycle of a child: it takes calls only while `ready`. */
export type ChildState = 'starting' | 'ready' | 'retiring' | 'exited';

/** Events a child reports to its pool. */
export interface ChildEvents<Call> {
  /** Receives every message but `pong`, unchecked: the pool validates what it reads. */
  message(child: SandboxChild<Call>, message: unknown): void;
  exit(child: SandboxChild<Call>, code: number | null, signal: NodeJS.Signals | null): void;
}

/** Timing of a child's heartbeat and start-up. */
export interface ChildTiming {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  startTimeoutMs: number;
}

/** A forked sandbox child and the calls dispatched to it, keyed by call id. */
export class SandboxChild<Call> {
  readonly process: ChildProcess;
  readonly startedAt = performance.now();
  /** Calls sent to the child whose result has not arrived yet. */
  readonly calls = new Map<number, Call>();
  /** `key@sha256` of the plugin code this child was sent. */
  readonly knownCode = new Set<string>();
  state: ChildState = 'starting';
  readyAt: number | undefined;
  /** The reason the pool killed the child, once it has. */
  killReason: string | undefined;

  #lastPongAt = performance.now();
  #pingSeq = 0;
  #heartbeat: ReturnType<typeof setInterval>;
  #outputTail = '';

  constructor(settings: ChildSettings, timing: ChildTiming, events: ChildEvents<Call>) {
    this.process = fork(CHILD_ENTRY, [JSON.stringify(settings)], {
      // The child calls `gc()` to free the strings it received from isolates, and the prelude
      // hides the `gc` that the flag also defines in every isolate's context.
      execArgv: ['--no-node-snapshot', '--expose-gc'],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Plugin code cannot read the environment, but a child gets none of the server's
      // variables anyway, so an escape from V8 would find no secrets there.
      env: {
        // A fixed threshold makes glibc malloc serve every block of 128 KiB or more with mmap and
        // return it to the system when freed. By default glibc raises the threshold after such a
        // block is freed, and the freed space of large results then stayed in the child's RSS.
        MALLOC_MMAP_THRESHOLD_: '131072',
      },
    });
    const keepTail = (chunk: Buffer): void => {
      this.#outputTail = (this.#outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    this.process.stdout?.on('data', keepTail);
    this.process.stderr?.on('data', keepTail);
    this.process.on('message', (message: Partial<ChildMessage> | null) => {
      if (message?.type === 'pong') {
        this.#lastPongAt = performance.now();
        return;
      }
      if (message?.type === 'ready' && this.state === 'starting') {
        this.state = 'ready';
        this.readyAt = performance.now();
        this.#lastPongAt = this.readyAt;
      }
      events.message(this, message);
    });
    this.process.on('error', () => {
      // A failed spawn or send is followed by 'exit', which the pool handles.
    });
    this.process.once('exit', (code, signal) => {
      this.state = 'exited';
      clearInterval(this.#heartbeat);
      events.exit(this, code, signal);
    });

    this.#heartbeat = setInterval(() => this.#checkHeartbeat(timing), timing.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  /** Process id, or undefined when the spawn failed. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The last bytes the child wrote to stdout and stderr, such as V8's fatal error report. */
  get outputTail(): string {
    return this.#outputTail;
  }

  /** Sends a message; a child that is gone drops it, and its exit is handled separately. */
  send(message: ParentMessage): void {
    if (this.state === 'exited' || !this.process.connected) {
      return;
    }
    try {
      this.process.send(message);
    } catch {
      // The channel closed between the check and the send; 'exit' follows.
    }
  }

  /** Ends the process with SIGKILL, which also works on a stopped or blocked child. */
  kill(reason: string): void {
    if (this.state === 'exited') {
      return;
    }
    this.killReason ??= reason;
    clearInterval(this.#heartbeat);
    this.process.kill('SIGKILL');
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    if (this.state === 'exited') {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.process.once('exit', () => resolve()));
  }

  #checkHeartbeat(timing: ChildTiming): void {
    const now = performance.now();
    if (this.state === 'starting') {
      if (now - this.startedAt > timing.startTimeoutMs) {
        this.kill('start-timeout');
      }
      return;
    }
    if (now - this.#lastPongAt > timing.heartbeatTimeoutMs) {
      this.kill('unresponsive');
      return;
    }
    this.#pingSeq += 1;
    this.send({ type: 'ping', seq: this.#pingSeq });
  }
}
