/**
 * The command behind `npm run migrate -- --from data/studio.db --to mongodb://…`, which copies an
 * embedded studio into MongoDB. See `usage` for the options.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openMongoStorage, redactUrl } from '../mongo/index.js';
import { copyStudio, mismatchedTables, type CopySources, type TableReport } from './copy-studio.js';

const DEFAULT_BATCH_SIZE = 500;

const usage = `Usage: npm run migrate -- --from <studio.db> --to <mongodb url> [options]

Copies an embedded studio's SQLite data into MongoDB. Stop every studio process that uses the
files first. Running it again updates the copied documents instead of duplicating them.

  --from <path>        the studio database, such as data/studio.db (required)
  --jobs <path>        the Agenda job store; defaults to jobs.db beside --from when that exists
  --no-jobs            copy no Agenda jobs
  --to <url>           the MongoDB connection string, a replica set (required unless --dry-run)
  --db <name>          the database; defaults to the one the URL names, else gestorlead
  --batch-size <rows>  rows per read and per write (default ${DEFAULT_BATCH_SIZE})
  --dry-run            print the row count of each table and write nothing
  --help               print this text`;

class UsageError extends Error {}

interface MigrateArguments {
  from: string;
  jobs: string | null;
  to: string | null;
  db: string | undefined;
  batchSize: number;
  dryRun: boolean;
}

/** Parses the command line; throws UsageError naming the option on bad input. */
export function parseMigrateArguments(argv: string[]): MigrateArguments | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      jobs: { type: 'string' },
      'no-jobs': { type: 'boolean' },
      to: { type: 'string' },
      db: { type: 'string' },
      'batch-size': { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) return 'help';
  if (values.from === undefined) throw new UsageError('--from is required: the path of studio.db.');
  const dryRun = values['dry-run'] === true;
  if (values.to === undefined && !dryRun) throw new UsageError('--to is required: a mongodb:// connection string.');
  if (values.to !== undefined && !/^mongodb(\+srv)?:\/\//.test(values.to)) {
    throw new UsageError(`--to must start with mongodb:// or mongodb+srv://, got "${values.to}".`);
  }
  const batchSize = Number(values['batch-size'] ?? DEFAULT_BATCH_SIZE);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new UsageError(`--batch-size must be an integer from 1 to 100000, got "${values['batch-size']}".`);
  }
  const besideFrom = path.join(path.dirname(values.from), 'jobs.db');
  let jobs: string | null = values.jobs ?? (existsSync(besideFrom) ? besideFrom : null);
  if (values['no-jobs'] === true) jobs = null;
  return { from: values.from, jobs, to: values.to ?? null, db: values.db, batchSize, dryRun };
}

function openReadOnly(file: string, option: string): Database.Database {
  if (!existsSync(file)) throw new UsageError(`${option} ${file} does not exist.`);
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** Formats one table's line of the output. */
export function formatReport(report: TableReport): string {
  const target = `${report.collection}`.padEnd(16);
  if (report.found === null) return `${report.table.padEnd(18)} → ${target} ${report.rows} rows`;
  const status = report.found === report.rows ? 'ok' : 'COUNT MISMATCH';
  return `${report.table.padEnd(18)} → ${target} ${report.rows} rows, ${report.written} written, ${report.found} found: ${status}`;
}

async function migrate(options: MigrateArguments): Promise<number> {
  const sources: CopySources = {
    studio: openReadOnly(options.from, '--from'),
    jobs: options.jobs === null ? null : openReadOnly(options.jobs, '--jobs'),
  };
  const storage = options.dryRun || options.to === null ? null : await openMongoStorage({ url: options.to, dbName: options.db });
  try {
    const jobsText = options.jobs ?? 'no job store';
    const targetText = storage === null ? 'dry run, nothing is written' : `${redactUrl(options.to!)}, database ${storage.connection.name}`;
    console.log(`Copying ${options.from} and ${jobsText} (${targetText})`);
    const reports = await copyStudio(sources, storage?.connection.db ?? null, {
      batchSize: options.batchSize,
      onTable: (report) => console.log(formatReport(report)),
    });
    const rows = reports.reduce((sum, report) => sum + report.rows, 0);
    const mismatched = mismatchedTables(reports);
    if (mismatched.length > 0) {
      console.error(`Counts differ for ${mismatched.map((report) => report.table).join(', ')}: was a studio still writing?`);
      return 1;
    }
    console.log(storage === null ? `${rows} rows would be copied.` : `${rows} rows copied; every count matches.`);
    return 0;
  } finally {
    sources.studio.close();
    sources.jobs?.close();
    await storage?.close();
  }
}

/**
 * Runs the command with `argv` (the arguments after the script) and returns the exit code: 0
 * when every table's count matches, 1 when a count differs or the copy fails, 2 on a usage error.
 */
export async function runMigrateCommand(argv: string[]): Promise<number> {
  let options: MigrateArguments | 'help';
  try {
    options = parseMigrateArguments(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (options === 'help') {
    console.log(usage);
    return 0;
  }
  try {
    return await migrate(options);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    console.error(error);
    return 1;
  }
}
