import type { PluginManifest } from '@gestorlead/sdk-plugin/plugin';
import { describe, expect, it } from 'vitest';
import type { PluginRecord } from '../../src/types.js';
import type { ContractContext } from './context.js';
import { expectConflict, isoAt } from './fixtures.js';

/** Returns a small valid manifest of `name@version` with one action. */
function buildManifest(name: string, version: string): PluginManifest {
  return {
    name,
    version,
    runtime: '^0.1.0',
    displayName: `Plugin ${name}`,
    description: 'A plugin of the contract suite.',
    permissions: { hosts: ['api.example.com'] },
    credentialTypes: [],
    actions: [
      {
        name: 'send',
        version: 1,
        displayName: 'Send',
        description: 'Sends a message.',
        configSchema: { type: 'object', properties: { to: { type: 'string' } } },
        inputs: [{ name: 'in' }],
        outputs: [{ name: 'out' }],
      },
    ],
    triggers: [],
  };
}

export function buildPlugin(name: string, version: string, overrides: Partial<PluginRecord> = {}): PluginRecord {
  return {
    ownerId: null,
    name,
    version,
    manifest: buildManifest(name, version),
    code: `globalThis.__gestorleadPlugin = { name: ${JSON.stringify(`${name}@${version}`)} };`,
    sha256: 'a'.repeat(64),
    installedAt: isoAt(0),
    ...overrides,
  };
}

export function definePluginContract(context: ContractContext): void {
  describe('plugins', () => {
    it('get returns every plugin field', async () => {
      const plugin = buildPlugin('mailer', '1.2.0', { ownerId: 'user-1', installedAt: isoAt(5), sha256: 'b'.repeat(64) });
      await context.storage().plugins.install(plugin);

      expect(await context.storage().plugins.get('mailer', '1.2.0')).toEqual(plugin);
    });

    it('get of missing version returns null', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.2.0'));

      expect(await context.storage().plugins.get('mailer', '1.2.1')).toBeNull();
      expect(await context.storage().plugins.get('other', '1.2.0')).toBeNull();
    });

    it('install of duplicate version conflicts', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0'));

      await expectConflict(context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { code: 'changed' })));
      const stored = await context.storage().plugins.get('mailer', '1.0.0');
      expect(stored?.code).not.toBe('changed');
    });

    it('versions live side by side', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0'));
      await context.storage().plugins.install(buildPlugin('mailer', '2.0.0'));

      expect((await context.storage().plugins.get('mailer', '1.0.0'))?.version).toBe('1.0.0');
      expect((await context.storage().plugins.get('mailer', '2.0.0'))?.version).toBe('2.0.0');
    });

    it('list orders by name then semver descending', async () => {
      for (const version of ['1.10.0', '1.2.0', '1.10.0-beta.2', '1.10.0-beta.10', '1.10.0-alpha', '0.9.9']) {
        await context.storage().plugins.install(buildPlugin('mailer', version));
      }
      await context.storage().plugins.install(buildPlugin('crm', '3.0.0'));

      const listed = await context.storage().plugins.list();

      expect(listed.map((item) => `${item.name}@${item.version}`)).toEqual([
        'crm@3.0.0',
        'mailer@1.10.0',
        'mailer@1.10.0-beta.10',
        'mailer@1.10.0-beta.2',
        'mailer@1.10.0-alpha',
        'mailer@1.2.0',
        'mailer@0.9.9',
      ]);
    });

    it('list omits the code', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0'));

      const [summary] = await context.storage().plugins.list();

      expect(summary).not.toHaveProperty('code');
      expect(summary.manifest).toEqual(buildManifest('mailer', '1.0.0'));
      expect(summary.sha256).toBe('a'.repeat(64));
    });

    it('list filters by name', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0'));
      await context.storage().plugins.install(buildPlugin('crm', '1.0.0'));

      const listed = await context.storage().plugins.list({ name: 'crm' });

      expect(listed.map((item) => item.name)).toEqual(['crm']);
      expect(await context.storage().plugins.list({ name: 'missing' })).toEqual([]);
    });

    it('list latestOnly keeps highest version per name', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.9.0'));
      await context.storage().plugins.install(buildPlugin('mailer', '1.10.0'));
      await context.storage().plugins.install(buildPlugin('mailer', '2.0.0-rc.1'));
      await context.storage().plugins.install(buildPlugin('crm', '0.1.0'));

      const listed = await context.storage().plugins.list({ latestOnly: true });

      expect(listed.map((item) => `${item.name}@${item.version}`)).toEqual(['crm@0.1.0', 'mailer@2.0.0-rc.1']);
    });

    it('listAll returns code in list order', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0'));
      await context.storage().plugins.install(buildPlugin('mailer', '1.1.0'));

      const all = await context.storage().plugins.listAll();

      expect(all.map((item) => item.version)).toEqual(['1.1.0', '1.0.0']);
      expect(all[0]).toEqual(buildPlugin('mailer', '1.1.0'));
    });

    it('delete removes one version only', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0'));
      await context.storage().plugins.install(buildPlugin('mailer', '1.1.0'));

      expect(await context.storage().plugins.delete('mailer', '1.0.0')).toBe(true);

      expect(await context.storage().plugins.get('mailer', '1.0.0')).toBeNull();
      expect((await context.storage().plugins.list()).map((item) => item.version)).toEqual(['1.1.0']);
    });

    it('delete of missing version returns false', async () => {
      expect(await context.storage().plugins.delete('mailer', '1.0.0')).toBe(false);
    });

    it('list visibleTo returns shared and own versions', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { ownerId: null }));
      await context.storage().plugins.install(buildPlugin('mailer', '1.1.0', { ownerId: 'user-1' }));
      await context.storage().plugins.install(buildPlugin('mailer', '1.2.0', { ownerId: 'user-2' }));
      await context.storage().plugins.install(buildPlugin('crm', '1.0.0', { ownerId: 'user-2' }));

      const listed = await context.storage().plugins.list({ visibleTo: 'user-1' });

      expect(listed.map((item) => `${item.name}@${item.version}`)).toEqual(['mailer@1.1.0', 'mailer@1.0.0']);
      expect(listed.map((item) => item.ownerId)).toEqual(['user-1', null]);
    });

    it('list without visibleTo returns every owner', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { ownerId: null }));
      await context.storage().plugins.install(buildPlugin('mailer', '1.1.0', { ownerId: 'user-1' }));
      await context.storage().plugins.install(buildPlugin('mailer', '1.2.0', { ownerId: 'user-2' }));

      const listed = await context.storage().plugins.list();

      expect(listed.map((item) => item.version)).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    });

    it('list latestOnly picks highest visible version', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { ownerId: null }));
      await context.storage().plugins.install(buildPlugin('mailer', '2.0.0', { ownerId: 'user-2' }));

      const forUser1 = await context.storage().plugins.list({ visibleTo: 'user-1', latestOnly: true });
      const forUser2 = await context.storage().plugins.list({ visibleTo: 'user-2', latestOnly: true });

      expect(forUser1.map((item) => item.version)).toEqual(['1.0.0']);
      expect(forUser2.map((item) => item.version)).toEqual(['2.0.0']);
    });

    it('list combines visibleTo and name', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { ownerId: 'user-1' }));
      await context.storage().plugins.install(buildPlugin('crm', '1.0.0', { ownerId: 'user-1' }));
      await context.storage().plugins.install(buildPlugin('crm', '2.0.0', { ownerId: 'user-2' }));

      const listed = await context.storage().plugins.list({ visibleTo: 'user-1', name: 'crm' });

      expect(listed.map((item) => `${item.name}@${item.version}`)).toEqual(['crm@1.0.0']);
    });

    it('private version conflicts with shared one', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { ownerId: null }));

      await expectConflict(context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { ownerId: 'user-1' })));
      expect((await context.storage().plugins.get('mailer', '1.0.0'))?.ownerId).toBeNull();
    });

    it('listAll includes private versions', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { ownerId: null }));
      await context.storage().plugins.install(buildPlugin('mailer', '1.1.0', { ownerId: 'user-1' }));

      const all = await context.storage().plugins.listAll();

      expect(all.map((item) => [item.version, item.ownerId])).toEqual([
        ['1.1.0', 'user-1'],
        ['1.0.0', null],
      ]);
    });

    it('deleted version can be installed again', async () => {
      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0'));
      await context.storage().plugins.delete('mailer', '1.0.0');

      await context.storage().plugins.install(buildPlugin('mailer', '1.0.0', { code: 'again' }));

      expect((await context.storage().plugins.get('mailer', '1.0.0'))?.code).toBe('again');
    });
  });
}
