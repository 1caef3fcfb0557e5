/** `gestorlead-plugin init <dir> [--name <name>]`: writes a working plugin project. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { PLUGIN_NAME_PATTERN } from '../../manifest/schema.js';
import { UsageError, type CliIo } from '../io.js';
import { templateFiles } from '../template.js';

/** Returns the version in this SDK's package.json, which the template depends on. */
export async function readSdkVersion(): Promise<string> {
  const packageUrl = new URL('../../../package.json', import.meta.url);
  const sdkPackage = JSON.parse(await readFile(packageUrl, 'utf8')) as { version: string };
  return sdkPackage.version;
}

/** Derives a plugin name from a directory name: lowercase, other characters as `-`. */
function nameFromDirectory(directory: string): string {
  return path
    .basename(path.resolve(directory))
    .toLowerCase()
    .replace(/^gestorlead-plugin-/, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

async function isMissingOrEmpty(directory: string): Promise<boolean> {
  try {
    return (await readdir(directory)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return true;
    }
    throw error;
  }
}

/**
 * Writes the template into `directory`, which must be missing or empty. The plugin name is
 * `name`, or else derived from the directory name. Returns the exit code.
 */
export async function initCommand(directory: string, name: string | undefined, io: CliIo): Promise<number> {
  const target = path.resolve(io.cwd, directory);
  const pluginName = name ?? nameFromDirectory(target);
  if (!new RegExp(PLUGIN_NAME_PATTERN).test(pluginName)) {
    throw new UsageError(
      `"${pluginName}" is not a valid plugin name: use 1 to 64 lowercase letters, digits or "-", ` +
        'starting with a letter or digit, and pass it with --name',
    );
  }
  if (!(await isMissingOrEmpty(target))) {
    throw new UsageError(`${directory} is not empty; choose a new directory`);
  }

  const files = templateFiles({ name: pluginName, sdkVersion: await readSdkVersion() });
  for (const [relativePath, contents] of Object.entries(files)) {
    const filePath = path.join(target, relativePath);
    await mkdir(path.dirname(filePath), { recursive: true });
    await writeFile(filePath, contents, 'utf8');
  }

  const displayPath = path.relative(io.cwd, target) || '.';
  io.stdout(
    `Created plugin "${pluginName}" in ${displayPath}. Next:\n` +
      `  cd ${displayPath}\n` +
      '  npm install\n' +
      '  npx gestorlead-plugin test\n' +
      '  npx gestorlead-plugin pack\n',
  );
  return 0;
}
