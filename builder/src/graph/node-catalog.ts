/** The node types the runtime offers, indexed by type and grouped by plugin for the palette. */
import type { NodeTypeDescriptor, NodeTypeLookup } from '@gestorlead/sdk-plugin';

/** Node types of one plugin, in palette order. */
export interface PaletteGroup {
  plugin: string;
  displayName: string;
  types: NodeTypeDescriptor[];
}

/** Returns the plugin name of a node type: the part before the slash of `plugin/action@1`. */
export function pluginOf(type: string): string {
  const slash = type.indexOf('/');
  return slash === -1 ? type : type.slice(0, slash);
}

export class NodeCatalog implements NodeTypeLookup {
  readonly types: readonly NodeTypeDescriptor[];
  readonly #byType: Map<string, NodeTypeDescriptor>;
  readonly #pluginNames: Map<string, string>;

  constructor(types: readonly NodeTypeDescriptor[], pluginNames: ReadonlyMap<string, string> = new Map()) {
    this.types = types;
    this.#byType = new Map(types.map((descriptor) => [descriptor.type, descriptor]));
    this.#pluginNames = new Map(pluginNames);
  }

  get(type: string): NodeTypeDescriptor | undefined {
    return this.#byType.get(type);
  }

  /** Groups the types whose name, type or description contains `search`, ignoring case. */
  groups(search = ''): PaletteGroup[] {
    const needle = search.trim().toLowerCase();
    const groups = new Map<string, PaletteGroup>();
    for (const descriptor of this.types) {
      const text = `${descriptor.displayName} ${descriptor.type} ${descriptor.description ?? ''}`.toLowerCase();
      if (needle !== '' && !text.includes(needle)) continue;
      const plugin = pluginOf(descriptor.type);
      let group = groups.get(plugin);
      if (group === undefined) {
        group = { plugin, displayName: this.#pluginNames.get(plugin) ?? plugin, types: [] };
        groups.set(plugin, group);
      }
      group.types.push(descriptor);
    }
    const sorted = [...groups.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
    for (const group of sorted) group.types.sort((a, b) => a.displayName.localeCompare(b.displayName));
    return sorted;
  }
}
