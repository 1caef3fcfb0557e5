import { FileBlobStore, openSqliteStorage } from '@gestorlead/storage';
import { ArtifactService } from '../../src/artifacts/artifact-service.js';
import { loadArtifactSettings } from '../../src/artifacts/settings.js';
import { createLogger } from '../../src/logger.js';

/** Creates an artifact service over files in `folder` and an in-memory SQLite store, for host-service tests. */
export function createTestArtifactService(folder: string): ArtifactService {
  return new ArtifactService({
    storage: openSqliteStorage({ path: ':memory:' }),
    blobs: new FileBlobStore(folder),
    settings: loadArtifactSettings({}),
    log: createLogger('silent'),
  });
}
