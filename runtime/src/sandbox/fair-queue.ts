/**
 * The pool's queue of calls that wait for a slot, grouped by plugin. `FairQueue.next` picks the
 * call the next free slot goes to, so a plugin with many queued or long calls cannot keep the
 * others waiting behind it.
 */

/** The fields of a call that the queue reads. */
export interface QueuedCall {
  /** Increases with submission order, so a smaller id has waited longer. */
  id: number;
  /** The plugin the call belongs to. Every version of a plugin has the same name. */
  pluginName: string;
}

/** Returns the plugin name of a `PluginCode.key` (`name@version`). Plugin names contain no `@`. */
export function pluginNameOf(key: string): string {
  const at = key.indexOf('@');
  return at === -1 ? key : key.slice(0, at);
}

/**
 * Calls waiting for a slot, oldest first within each plugin. `next` chooses among plugins by
 * the calls each has in flight, so the order between plugins is fair and within one plugin is
 * first in, first out.
 */
export class FairQueue<Call extends QueuedCall> {
  /** Queued calls by plugin name, each list oldest first. A plugin without queued calls has no entry. */
  readonly #byPlugin = new Map<string, Call[]>();
  #size = 0;

  /** Number of queued calls. */
  get size(): number {
    return this.#size;
  }

  /** Number of plugins with queued calls. */
  get pluginCount(): number {
    return this.#byPlugin.size;
  }

  push(call: Call): void {
    const calls = this.#byPlugin.get(call.pluginName);
    if (calls === undefined) {
      this.#byPlugin.set(call.pluginName, [call]);
    } else {
      calls.push(call);
    }
    this.#size += 1;
  }

  /** Removes `call` from the queue, and returns false when it was not queued. */
  remove(call: Call): boolean {
    const calls = this.#byPlugin.get(call.pluginName);
    const index = calls?.indexOf(call) ?? -1;
    if (calls === undefined || index === -1) {
      return false;
    }
    calls.splice(index, 1);
    if (calls.length === 0) {
      this.#byPlugin.delete(call.pluginName);
    }
    this.#size -= 1;
    return true;
  }

  /** Removes every queued call and returns them, oldest first. */
  drain(): Call[] {
    const calls = [...this.#byPlugin.values()].flat().sort((a, b) => a.id - b.id);
    this.#byPlugin.clear();
    this.#size = 0;
    return calls;
  }

  /**
   * Returns the call the next free slot goes to, without removing it: the oldest call of the
   * plugin with the fewest calls in flight. Between plugins with as many calls in flight, the
   * one whose oldest call has waited longest goes first. `inFlight` returns a plugin's running
   * calls and is read only when more than one plugin has calls queued.
   */
  next(inFlight: (pluginName: string) => number): Call | undefined {
    if (this.#byPlugin.size === 1) {
      const [calls] = this.#byPlugin.values();
      return calls[0];
    }
    let best: Call | undefined;
    let bestInFlight = Number.POSITIVE_INFINITY;
    for (const [pluginName, calls] of this.#byPlugin) {
      const oldest = calls[0];
      const running = inFlight(pluginName);
      if (running < bestInFlight || (running === bestInFlight && best !== undefined && oldest.id < best.id)) {
        best = oldest;
        bestInFlight = running;
      }
    }
    return best;
  }
}
