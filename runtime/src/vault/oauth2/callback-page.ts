/**
 * The page the provider's redirect lands on. The builder opens the authorization URL in a
 * pop-up. This page posts the outcome to the window that opened it, restricted to that
 * window's origin, and closes itself. The page carries no secret, only the credential's id,
 * name and type, or an error code and message.
 */
import { createHash } from 'node:crypto';

/** The `type` of the message posted to the opener. */
export const OAUTH2_MESSAGE_TYPE = 'gestorlead.oauth2';

/** The message the page posts to its opener. */
export type OAuth2CallbackMessage =
  | { type: typeof OAUTH2_MESSAGE_TYPE; ok: true; credential: { id: string; name: string; type: string }; created: boolean }
  | { type: typeof OAUTH2_MESSAGE_TYPE; ok: false; error: { code: string; message: string } };

/** An HTML page and the headers it must be sent with. */
export interface CallbackPage {
  html: string;
  headers: Record<string, string>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element: no `</script>` and no line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Renders the page for `message`, posted to `targetOrigin`. */
export function renderCallbackPage(message: OAuth2CallbackMessage, targetOrigin: string): CallbackPage {
  const text = message.ok
    ? `Connected "${message.credential.name}". You can close this window.`
    : `The connection failed: ${message.error.message}`;
  const script =
    `(function(){var message=${scriptJson(message)};var origin=${scriptJson(targetOrigin)};` +
    'if(window.opener){window.opener.postMessage(message,origin);window.close();}})();';
  const scriptHash = createHash('sha256').update(script, 'utf8').digest('base64');
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>GestorLead Studio</title></head>' +
    `<body><p>${escapeHtml(text)}</p><script>${script}</script></body></html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The URL of this page carries the authorization code.
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': `default-src 'none'; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
  };
}
