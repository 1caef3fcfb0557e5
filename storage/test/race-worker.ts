/**
 * A child process of the SQLite race tests. It opens its own store on each file named in the
 * command and prints `ready`. It then reads one line from stdin, the start instant in epoch ms,
 * busy-waits until the clock reaches it, runs its writes as fast as it can and prints one JSON
 * line of outcomes. The parent starts several of these on the same files, so the writes of
 * different processes contend for SQLite's write lock at the same moment.
 *
 * Usage: node --import tsx storage/test/race-worker.ts '<RaceCommand as JSON>'
 */
import { createInterface } from 'node:readline';
import { openSqliteStorage } from '../src/index.js';
import { InsufficientCreditsError, type Storage } from '../src/types.js';
import { buildReserve, buildUser } from './contract/fixtures.js';

/** What one worker does. */
export interface RaceCommand {
  /** Database files. `ledger` uses the first one only. */
  paths: string[];
  /**
   * `ledger` appends `attempts` reserves of 1 credit for `user-1`. `users` creates one user with
   * firstBecomesAdmin in each file, file `i` at ROUND_MS × i after the start instant.
   */
  mode: 'ledger' | 'users';
  /** Distinguishes the workers of one race in idempotency keys and user ids. */
  worker: number;
  /** Number of appends, for `ledger`. */
  attempts: number;
}

/** Time between the rounds of `users` mode, in ms; each round races on a new, empty file. */
export const ROUND_MS = 20;

/** What one worker prints when it is done. */
export interface RaceOutcome {
  /** Appends or creates that stored a record. */
  created: number;
  /** Appends rejected with InsufficientCreditsError. */
  insufficient: number;
  /** Users stored as admin. */
  admins: number;
  /** Messages of any other error, which the race tests expect to be empty. */
  errors: string[];
}

async function appendReserves(storage: Storage, command: RaceCommand, outcome: RaceOutcome): Promise<void> {
  waitUntil(startAt);
  for (let attempt = 0; attempt < command.attempts; attempt += 1) {
    const reserve = buildReserve(1, {
      id: `entry-w${command.worker}-${attempt}`,
      idempotencyKey: `reserve-w${command.worker}-${attempt}`,
    });
    try {
      await storage.ledger.append(reserve);
      outcome.created += 1;
    } catch (error) {
      if (error instanceof InsufficientCreditsError) {
        outcome.insufficient += 1;
      } else {
        outcome.errors.push(String(error));
      }
    }
  }
}

async function createUsers(stores: Storage[], command: RaceCommand, outcome: RaceOutcome): Promise<void> {
  for (const [round, storage] of stores.entries()) {
    waitUntil(startAt + round * ROUND_MS);
    const user = buildUser({ id: `user-w${command.worker}` });
    try {
      const stored = await storage.users.create(user, { firstBecomesAdmin: true });
      outcome.created += 1;
      if (stored.admin) outcome.admins += 1;
    } catch (error) {
      outcome.errors.push(String(error));
    }
  }
}

/** Returns the first line of stdin. */
async function readLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  const line = await new Promise<string>((resolve) => lines.once('line', resolve));
  lines.close();
  return line;
}

/** Spins until `Date.now()` reaches `instantMs`; a timer would wake the processes at different times. */
function waitUntil(instantMs: number): void {
  while (Date.now() < instantMs) {
    // Busy wait.
  }
}

const command = JSON.parse(process.argv[2]) as RaceCommand;
const stores = command.paths.map((path) => openSqliteStorage({ path }));
const outcome: RaceOutcome = { created: 0, insufficient: 0, admins: 0, errors: [] };
process.stdout.write('ready\n');
const startAt = Number(await readLine());

if (command.mode === 'ledger') {
  await appendReserves(stores[0], command, outcome);
} else {
  await createUsers(stores, command, outcome);
}
for (const storage of stores) {
  await storage.close();
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
