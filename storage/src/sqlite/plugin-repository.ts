import type Database from 'better-sqlite3';
import type { PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import type {
  PluginListQuery,
  PluginRecord,
  PluginRepository,
  PluginVersionSummary,
} from '../types.js';
import { translateConflict } from './conflict.js';

interface PluginRow {
  owner_id: string | null;
  name: string;
  version: string;
  manifest: string;
  code: string;
  sha256: string;
  installed_at: string;
}

type PluginSummaryRow = Omit<PluginRow, 'code'>;

const SUMMARY_COLUMNS = 'owner_id, name, version, manifest, sha256, installed_at';

/** Named parameters of a `plugins.list` query. A null filter matches every version. */
interface PluginListParameters {
  name: string | null;
  visible_to: string | null;
}

function toSummary(row: PluginSummaryRow): PluginVersionSummary {
  return {
    ownerId: row.owner_id,
    name: row.name,
    version: row.version,
    manifest: JSON.parse(row.manifest) as PluginManifest,
    sha256: row.sha256,
    installedAt: row.installed_at,
  };
}

function toRecord(row: PluginRow): PluginRecord {
  const { ownerId, manifest, sha256, installedAt } = toSummary(row);
  return { ownerId, name: row.name, version: row.version, manifest, code: row.code, sha256, installedAt };
}

const NUMERIC_IDENTIFIER = /^[0-9]+$/;

function compareIdentifiers(a: string, b: string): number {
  const aNumeric = NUMERIC_IDENTIFIER.test(a);
  const bNumeric = NUMERIC_IDENTIFIER.test(b);
  if (aNumeric && bNumeric) return Math.sign(Number(a) - Number(b));
  // Numeric identifiers have lower precedence than alphanumeric ones (semver 2.0.0, rule 11).
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Compares two semantic versions by precedence (semver 2.0.0): major, minor and patch as
 * numbers, a prerelease below its release, build metadata ignored. The runtime validates every
 * version before it is stored, so this parser assumes well-formed input.
 */
export function compareSemver(a: string, b: string): number {
  const [aCore, aPre] = splitVersion(a);
  const [bCore, bPre] = splitVersion(b);
  for (let index = 0; index < 3; index += 1) {
    const difference = Math.sign(aCore[index] - bCore[index]);
    if (difference !== 0) return difference;
  }
  // A release has higher precedence than any prerelease of the same version.
  if (aPre.length === 0 || bPre.length === 0) {
    if (aPre.length === bPre.length) return 0;
    return aPre.length === 0 ? 1 : -1;
  }
  const shared = Math.min(aPre.length, bPre.length);
  for (let index = 0; index < shared; index += 1) {
    const difference = compareIdentifiers(aPre[index], bPre[index]);
    if (difference !== 0) return difference;
  }
  return Math.sign(aPre.length - bPre.length);
}

function splitVersion(version: string): [number[], string[]] {
  const withoutBuild = version.split('+')[0];
  const dash = withoutBuild.indexOf('-');
  const core = dash === -1 ? withoutBuild : withoutBuild.slice(0, dash);
  const prerelease = dash === -1 ? [] : withoutBuild.slice(dash + 1).split('.');
  return [core.split('.').map(Number), prerelease];
}

/** Sorts by name, then highest version first. */
export function byNameThenVersionDescending(a: { name: string; version: string }, b: { name: string; version: string }): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return compareSemver(b.version, a.version);
}

/**
 * Installed plugin versions in the `plugins` table. SQLite cannot order semantic versions, so
 * listings read every matching row and sort it in JavaScript, which suits the tens of
 * versions an installation is expected to have.
 */
export class SqlitePluginRepository implements PluginRepository {
  private readonly insertPlugin: Database.Statement<[PluginRow]>;
  private readonly selectPlugin: Database.Statement<[string, string], PluginRow>;
  private readonly selectSummaries: Database.Statement<[PluginListParameters], PluginSummaryRow>;
  private readonly selectSummariesByName: Database.Statement<[PluginListParameters], PluginSummaryRow>;
  private readonly selectAll: Database.Statement<[], PluginRow>;
  private readonly deletePlugin: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.insertPlugin = db.prepare(
      'insert into plugins (owner_id, name, version, manifest, code, sha256, installed_at) ' +
        'values (@owner_id, @name, @version, @manifest, @code, @sha256, @installed_at)',
    );
    this.selectPlugin = db.prepare(`select ${SUMMARY_COLUMNS}, code from plugins where name = ? and version = ?`);
    // A version is visible to a user when it is shared (no owner) or the user's own.
    const visible = '(@visible_to is null or owner_id is null or owner_id = @visible_to)';
    this.selectSummaries = db.prepare(`select ${SUMMARY_COLUMNS} from plugins where ${visible}`);
    this.selectSummariesByName = db.prepare(
      `select ${SUMMARY_COLUMNS} from plugins where name = @name and ${visible}`,
    );
    this.selectAll = db.prepare(`select ${SUMMARY_COLUMNS}, code from plugins`);
    this.deletePlugin = db.prepare('delete from plugins where name = ? and version = ?');
  }

  async install(record: PluginRecord): Promise<void> {
    translateConflict(`plugin "${record.name}@${record.version}"`, () =>
      this.insertPlugin.run({
        owner_id: record.ownerId,
        name: record.name,
        version: record.version,
        manifest: JSON.stringify(record.manifest),
        code: record.code,
        sha256: record.sha256,
        installed_at: record.installedAt,
      }),
    );
  }

  async get(name: string, version: string): Promise<PluginRecord | null> {
    const row = this.selectPlugin.get(name, version);
    return row === undefined ? null : toRecord(row);
  }

  async list(query: PluginListQuery = {}): Promise<PluginVersionSummary[]> {
    const parameters: PluginListParameters = { name: query.name ?? null, visible_to: query.visibleTo ?? null };
    const statement = parameters.name === null ? this.selectSummaries : this.selectSummariesByName;
    const rows = statement.all(parameters);
    // With `visibleTo`, latestOnly picks the highest version among the visible ones.
    const sorted = rows.map(toSummary).sort(byNameThenVersionDescending);
    if (query.latestOnly !== true) return sorted;
    return sorted.filter((summary, index) => index === 0 || sorted[index - 1].name !== summary.name);
  }

  async listAll(): Promise<PluginRecord[]> {
    return this.selectAll.all().map(toRecord).sort(byNameThenVersionDescending);
  }

  async delete(name: string, version: string): Promise<boolean> {
    return this.deletePlugin.run(name, version).changes > 0;
  }
}
