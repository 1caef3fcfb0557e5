/**
 * The open WebSocket connections of each user. Tokens and API keys are checked once, at the
 * handshake, so deactivating an account closes its connections here instead.
 */

/** Closes one connection. */
export type CloseConnection = () => void;

/** Open connections by user id. */
export class LiveConnections {
  readonly #byUser = new Map<string, Set<CloseConnection>>();

  /** Registers a connection of `userId`; returns the function that removes it again. */
  add(userId: string, close: CloseConnection): () => void {
    let connections = this.#byUser.get(userId);
    if (connections === undefined) {
      connections = new Set();
      this.#byUser.set(userId, connections);
    }
    connections.add(close);
    return () => {
      const current = this.#byUser.get(userId);
      if (current === undefined) return;
      current.delete(close);
      if (current.size === 0) this.#byUser.delete(userId);
    };
  }

  /** Closes every connection of `userId`; returns how many there were. */
  closeUser(userId: string): number {
    const connections = this.#byUser.get(userId);
    if (connections === undefined) return 0;
    this.#byUser.delete(userId);
    for (const close of connections) close();
    return connections.size;
  }
}
