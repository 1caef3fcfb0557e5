/**
 * Installed plugins of the account screen. Each version shows its hosts, credential types and
 * node types. A packed file is installed only after a preview of what it declares.
 */
import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react';
import { ApiError } from '../api/api-error';
import type { PackageInspection, PluginVersionDetail } from '../api/account-api';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Dialog } from '../components/dialog';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { useAccountApi } from './use-account-api';
import { useAction } from './use-action';

type Pending =
  | { kind: 'preview'; inspection: PackageInspection; pluginPackage: unknown }
  | { kind: 'uninstall'; version: PluginVersionDetail };

function DeclaredList({ label, items, empty }: { label: string; items: string[]; empty: string }) {
  return (
    <div className="plugin__declared">
      <strong>{label}</strong>
      {items.length === 0 ? (
        <span className="muted"> {empty}</span>
      ) : (
        <ul aria-label={label}>
          {items.map((item) => (
            <li key={item}><code>{item}</code></li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function PluginsSection() {
  const api = useAccountApi();
  const { t } = useI18n();
  const { error, clearError, run } = useAction();
  const [versions, setVersions] = useState<PluginVersionDetail[] | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const reload = useCallback(
    () =>
      run(async () => {
        const plugins = await api.plugins();
        const details = plugins.flatMap((plugin) => plugin.versions.map((item) => api.pluginVersion(plugin.name, item.version)));
        setVersions(await Promise.all(details));
      }),
    [api, run],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  const chooseFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file === undefined) return;
    setInfo(null);
    const text = await file.text();
    await run(async () => {
      let pluginPackage: unknown;
      try {
        pluginPackage = JSON.parse(text);
      } catch (caught) {
        const message = caught instanceof Error ? caught.message : String(caught);
        throw new ApiError(0, 'PLUGIN_FILE_INVALID_JSON', t('plugins.invalidJson', { name: file.name, message }));
      }
      setPending({ kind: 'preview', inspection: await api.inspectPackage(pluginPackage), pluginPackage });
    });
  };

  const install = (pluginPackage: unknown, inspection: PackageInspection) =>
    run(async () => {
      await api.installPackage(pluginPackage);
      setInfo(t('plugins.installed', { name: inspection.plugin.name, version: inspection.plugin.version }));
      await reload();
    });

  const uninstall = (version: PluginVersionDetail) =>
    run(async () => {
      await api.uninstallPlugin(version.name, version.version);
      setInfo(t('plugins.uninstalled', { name: version.name, version: version.version }));
      await reload();
    });

  return (
    <section className="account__section" aria-labelledby="plugins-title">
      <div className="account__head">
        <h2 id="plugins-title">{t('plugins.title')}</h2>
        <button type="button" onClick={() => fileInput.current?.click()}>
          {t('plugins.install')}
        </button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="plugin-file" onChange={(event) => void chooseFile(event)} />
      </div>
      {error !== null && <ErrorNotice error={error} onDismiss={clearError} />}
      {info !== null && <p className="notice notice--info" role="status">{info}</p>}
      {versions === null && error === null && <p>{t('app.loading')}</p>}
      {versions !== null && (
        <ul className="plugin-list">
          {versions.map((version) => (
            <li key={`${version.name}@${version.version}`} className="plugin" data-plugin={`${version.name}@${version.version}`}>
              <div className="plugin__head">
                <strong>{version.displayName}</strong> <code>{version.name}@{version.version}</code>{' '}
                <span className="badge">{version.visibility === 'shared' ? t('plugins.shared') : t('plugins.private')}</span>
                <span className="topbar__spacer" />
                <button
                  type="button"
                  className="danger"
                  aria-label={t('plugins.uninstallNamed', { name: `${version.name}@${version.version}` })}
                  onClick={() => setPending({ kind: 'uninstall', version })}
                >
                  {t('plugins.uninstall')}
                </button>
              </div>
              <p className="muted">{version.manifest.description}</p>
              <DeclaredList label={t('plugins.hosts')} items={version.manifest.permissions.hosts} empty={t('plugins.none')} />
              <DeclaredList label={t('plugins.credentialTypes')} items={version.manifest.credentialTypes.map((item) => `${version.name}/${item.name}`)} empty={t('plugins.none')} />
              <DeclaredList label={t('plugins.nodeTypes')} items={version.nodeTypes.map((item) => item.type)} empty={t('plugins.none')} />
            </li>
          ))}
        </ul>
      )}
      {pending?.kind === 'preview' && (
        <Dialog
          title={t('plugins.previewTitle', { name: pending.inspection.plugin.name, version: pending.inspection.plugin.version })}
          submitLabel={t('plugins.confirmInstall')}
          onClose={() => setPending(null)}
          onSubmit={() => {
            setPending(null);
            void install(pending.pluginPackage, pending.inspection);
          }}
        >
          <div data-testid="plugin-preview">
            <p><strong>{pending.inspection.displayName}</strong> — {pending.inspection.description}</p>
            <p>{t('plugins.previewHelp')}</p>
            <DeclaredList label={t('plugins.hosts')} items={pending.inspection.hosts} empty={t('plugins.noHosts')} />
            <DeclaredList
              label={t('plugins.credentialTypes')}
              items={pending.inspection.credentialTypes.map((item) => `${pending.inspection.plugin.name}/${item.name}`)}
              empty={t('plugins.none')}
            />
            <DeclaredList label={t('plugins.nodeTypes')} items={pending.inspection.nodeTypes.map((item) => item.type)} empty={t('plugins.none')} />
            <p className="muted">
              {pending.inspection.visibility === 'shared' ? t('plugins.willBeShared') : t('plugins.willBePrivate')} <code>sha256 {pending.inspection.sha256.slice(0, 16)}…</code>
            </p>
          </div>
        </Dialog>
      )}
      {pending?.kind === 'uninstall' && (
        <ConfirmDialog
          title={t('plugins.uninstallTitle')}
          text={t('plugins.uninstallText', { name: `${pending.version.name}@${pending.version.version}` })}
          submitLabel={t('plugins.uninstall')}
          onClose={() => setPending(null)}
          onConfirm={() => void uninstall(pending.version)}
        />
      )}
    </section>
  );
}
