/**
 * The OAuth2 pop-up: the builder opens the provider's authorization page in a pop-up window,
 * and the runtime's callback page posts the outcome to this window and closes itself.
 */

/** The `type` of the callback page's message (runtime/src/vault/oauth2/callback-page.ts). */
export const OAUTH2_MESSAGE_TYPE = 'gestorlead.oauth2';

export type OAuth2Outcome =
  | { ok: true; credential: { id: string; name: string; type: string }; created: boolean }
  | { ok: false; error: { code: string; message: string } };

/** How often the opener checks whether the user closed the pop-up, in milliseconds. */
export const POPUP_CLOSED_POLL_MS = 500;

/** Returns the outcome a message event carries, or null for other messages. */
export function readOAuth2Message(event: MessageEvent, expectedOrigin: string): OAuth2Outcome | null {
  if (event.origin !== expectedOrigin) return null;
  const data = event.data as { type?: unknown; ok?: unknown } | null;
  if (data === null || typeof data !== 'object' || data.type !== OAUTH2_MESSAGE_TYPE || typeof data.ok !== 'boolean') return null;
  return data as unknown as OAuth2Outcome;
}

/**
 * Waits for the callback page's message from the pop-up. Resolves with a failed outcome of code
 * `OAUTH2_POPUP_CLOSED` when the user closes the pop-up before the callback page loads.
 */
export function waitForOAuth2(opener: Window, popup: Pick<Window, 'closed'>, expectedOrigin: string): Promise<OAuth2Outcome> {
  return new Promise((resolve) => {
    const finish = (outcome: OAuth2Outcome) => {
      opener.removeEventListener('message', onMessage);
      clearInterval(timer);
      resolve(outcome);
    };
    const onMessage = (event: MessageEvent) => {
      const outcome = readOAuth2Message(event, expectedOrigin);
      if (outcome !== null) finish(outcome);
    };
    // The callback page posts, then closes itself, so the message may arrive after the window
    // reads as closed. The window counts as closed by the user only on a second check.
    let closedChecks = 0;
    const timer = setInterval(() => {
      closedChecks = popup.closed ? closedChecks + 1 : 0;
      if (closedChecks >= 2) finish({ ok: false, error: { code: 'OAUTH2_POPUP_CLOSED', message: 'the authorization window was closed before it finished' } });
    }, POPUP_CLOSED_POLL_MS);
    opener.addEventListener('message', onMessage);
  });
}
