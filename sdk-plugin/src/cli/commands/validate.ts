/** `gestorlead-plugin validate [dir]`: bundles the plugin and checks its manifest. */
import path from 'node:path';

import type { CliIo } from '../io.js';
import { buildProject, formatProblems } from '../project.js';

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Prints each problem as `pointer: message (CODE)`. Returns 1 when there are problems. */
export async function validateCommand(directory: string, entry: string, io: CliIo): Promise<number> {
  const project = await buildProject(path.resolve(io.cwd, directory), entry);
  const { manifest, problems } = project;
  if (problems.length > 0) {
    io.stderr(formatProblems(problems));
    io.stderr(`${plural(problems.length, 'problem')} found in the manifest of ${directory}\n`);
    return 1;
  }

  io.stdout(
    `${manifest.name}@${manifest.version} is valid: ${plural(manifest.actions.length, 'action')}, ` +
      `${plural(manifest.triggers.length, 'trigger')}, ` +
      `${plural(manifest.credentialTypes.length, 'credential type')}\n`,
  );
  return 0;
}
