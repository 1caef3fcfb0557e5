/** The node palette: node types grouped by plugin, with search and keyboard access. */
import type { NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import { useMemo, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { NodeCatalog } from '../graph/node-catalog';
import { useI18n } from '../i18n/i18n';

/** Drag data type that carries a node type from the palette to the canvas. */
export const NODE_TYPE_MIME = 'application/x-gestorlead-node-type';

export interface PaletteProps {
  catalog: NodeCatalog;
  /** Adds a node of the type, at the canvas centre. */
  onAdd: (type: string) => void;
}

export function Palette({ catalog, onAdd }: PaletteProps) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const [active, setActive] = useState(0);
  const groups = useMemo(() => catalog.groups(search), [catalog, search]);
  const flat = useMemo(() => groups.flatMap((group) => group.types), [groups]);
  const activeType = flat[Math.min(active, flat.length - 1)]?.type;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((index) => Math.max(0, Math.min(flat.length - 1, index + step)));
    } else if (event.key === 'Enter' && activeType !== undefined) {
      event.preventDefault();
      onAdd(activeType);
    }
  };

  const onDragStart = (event: DragEvent, descriptor: NodeTypeDescriptor) => {
    event.dataTransfer.setData(NODE_TYPE_MIME, descriptor.type);
    event.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <aside className="palette" aria-label={t('palette.title')}>
      <h2>{t('palette.title')}</h2>
      <input
        type="search"
        className="palette__search"
        placeholder={t('palette.search')}
        aria-label={t('palette.search')}
        aria-controls="palette-list"
        aria-activedescendant={activeType === undefined ? undefined : optionId(activeType)}
        value={search}
        onChange={(event) => {
          setSearch(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <p className="palette__help muted">{t('palette.help')}</p>
      <div id="palette-list" role="listbox" aria-label={t('palette.title')} className="palette__list">
        {flat.length === 0 && <p className="muted">{t('palette.empty')}</p>}
        {groups.map((group) => (
          <div key={group.plugin} role="group" aria-label={group.displayName} className="palette__group">
            <h3>{group.displayName}</h3>
            {group.types.map((descriptor) => (
              <button
                key={descriptor.type}
                id={optionId(descriptor.type)}
                type="button"
                role="option"
                aria-selected={descriptor.type === activeType}
                className={descriptor.type === activeType ? 'palette__item palette__item--active' : 'palette__item'}
                data-node-type={descriptor.type}
                title={descriptor.description}
                draggable
                onDragStart={(event) => onDragStart(event, descriptor)}
                onClick={() => onAdd(descriptor.type)}
                onKeyDown={onKeyDown}
                onFocus={() => setActive(flat.indexOf(descriptor))}
              >
                <span className="palette__name">{descriptor.displayName}</span>
                <span className="palette__type">{descriptor.type}</span>
              </button>
            ))}
          </div>
        ))}
      </div>
    </aside>
  );
}

function optionId(type: string): string {
  return `palette-option-${type.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
