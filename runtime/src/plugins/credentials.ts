/**
 * The seam to credential storage. A node picks a stored credential per slot in its graph
 * document (`credentials: { slot: credentialId }`); the resolver turns that id into the values
 * the plugin receives. Only the slots an action declares are ever resolved.
 */

/** Looks up stored credentials. */
export interface CredentialResolver {
  /**
   * Returns the values of the credential `credentialId` for `slot`, or null when no credential
   * of type `credentialType` has that id. Never logs the values.
   */
  resolve(slot: string, credentialId: string, credentialType: string): Promise<Record<string, unknown> | null>;
}

/** The resolver of a studio without credential storage: it finds no credential. */
export const noCredentials: CredentialResolver = {
  async resolve() {
    return null;
  },
};
