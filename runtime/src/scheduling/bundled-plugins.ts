import { StudioError } from '../errors.js';

/**
 * Runs `install` (the bundled plugins' installation) and runs it once more when another process
 * of the studio stored the same plugin version first. Processes of several roles start together
 * on one store, and the second attempt finds the stored version and loads it.
 */
export async function installBundledPluginsOnce<T>(install: () => Promise<T>): Promise<T> {
  try {
    return await install();
  } catch (error) {
    if (!(error instanceof StudioError) || error.code !== 'PLUGIN_VERSION_EXISTS') throw error;
    return install();
  }
}
