/** `gestorlead-plugin pack [dir] [--out file]`: writes the `.plugin.json` package. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { CliIo } from '../io.js';
import { buildProject, createPackage, formatProblems, packageFileName, serializePackage } from '../project.js';

/**
 * Builds and validates the plugin, then writes the package to `out`, or by default to
 * `<dir>/dist/<name>-<version>.plugin.json`. Nothing is written when the manifest has problems.
 * Returns the exit code.
 */
export async function packCommand(
  directory: string,
  entry: string,
  out: string | undefined,
  io: CliIo,
): Promise<number> {
  const projectDir = path.resolve(io.cwd, directory);
  const project = await buildProject(projectDir, entry);
  if (project.problems.length > 0) {
    io.stderr(formatProblems(project.problems));
    io.stderr('the manifest has problems, so no package was written\n');
    return 1;
  }

  const pluginPackage = createPackage(project.manifest, project.code);
  const text = serializePackage(pluginPackage);
  const outPath =
    out === undefined
      ? path.join(projectDir, 'dist', packageFileName(project.manifest))
      : path.resolve(io.cwd, out);
  await mkdir(path.dirname(outPath), { recursive: true });
  await writeFile(outPath, text, 'utf8');

  io.stdout(
    `Wrote ${path.relative(io.cwd, outPath)} (${Buffer.byteLength(text, 'utf8')} bytes, ` +
      `sha256 of code ${pluginPackage.sha256})\n`,
  );
  return 0;
}
