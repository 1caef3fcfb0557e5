#!/usr/bin/env node
// Backs up or restores the SQLite files of a studio's DATA_DIR (studio.db, jobs.db,
// rate-limits.db and any other *.db).
//
//   node scripts/sqlite-backup.mjs backup DATA_DIR TARGET_DIR    # while the studio runs
//   node scripts/sqlite-backup.mjs restore BACKUP_DIR DATA_DIR   # with every studio process stopped
//
// A backup uses SQLite's online backup API through better-sqlite3, so it is consistent while
// the studio writes. A restore copies the files back and removes their -wal and -shm files.
// Files the studio keeps beside the databases (secrets.json, blobs/) are copied as they are.
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../storage/package.json', import.meta.url));
const Database = require('better-sqlite3');

const EXTRA_ENTRIES = ['secrets.json', 'blobs'];

function databasesIn(folder) {
  return readdirSync(folder).filter((name) => name.endsWith('.db'));
}

async function backup(dataDir, targetDir) {
  if (!existsSync(dataDir)) throw new Error(`data folder ${dataDir} does not exist`);
  mkdirSync(targetDir, { recursive: true });
  for (const name of databasesIn(dataDir)) {
    const db = new Database(path.join(dataDir, name), { readonly: true, fileMustExist: true });
    try {
      await db.backup(path.join(targetDir, name));
    } finally {
      db.close();
    }
    console.log(`backed up ${name}`);
  }
  for (const entry of EXTRA_ENTRIES) {
    const source = path.join(dataDir, entry);
    if (existsSync(source)) cpSync(source, path.join(targetDir, entry), { recursive: true, preserveTimestamps: true });
  }
  console.log(targetDir);
}

function restore(backupDir, dataDir) {
  if (!existsSync(backupDir)) throw new Error(`backup ${backupDir} does not exist`);
  mkdirSync(dataDir, { recursive: true });
  for (const name of databasesIn(backupDir)) {
    for (const suffix of ['-wal', '-shm']) rmSync(path.join(dataDir, name + suffix), { force: true });
    copyFileSync(path.join(backupDir, name), path.join(dataDir, name));
    console.log(`restored ${name}`);
  }
  for (const entry of EXTRA_ENTRIES) {
    const source = path.join(backupDir, entry);
    if (existsSync(source)) cpSync(source, path.join(dataDir, entry), { recursive: true, preserveTimestamps: true });
  }
}

const [command, from, to] = process.argv.slice(2);
if ((command !== 'backup' && command !== 'restore') || !from || !to) {
  console.error('usage: sqlite-backup.mjs backup DATA_DIR TARGET_DIR | restore BACKUP_DIR DATA_DIR');
  process.exit(2);
}
try {
  if (command === 'backup') await backup(from, to);
  else restore(from, to);
} catch (error) {
  console.error(`${command} failed: ${error.message}`);
  process.exit(1);
}
