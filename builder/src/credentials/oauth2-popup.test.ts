import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OAUTH2_MESSAGE_TYPE, POPUP_CLOSED_POLL_MS, readOAuth2Message, waitForOAuth2 } from './oauth2-popup';

const ORIGIN = 'http://127.0.0.1:4000';
const SUCCESS = { type: OAUTH2_MESSAGE_TYPE, ok: true, credential: { id: 'cred_1', name: 'Drive', type: 'drive/oauth' }, created: true };

describe('OAuth2 pop-up', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the callback message', () => {
    const outcome = readOAuth2Message(new MessageEvent('message', { data: SUCCESS, origin: ORIGIN }), ORIGIN);

    expect(outcome).toEqual(SUCCESS);
  });

  it('ignores other origins and messages', () => {
    expect(readOAuth2Message(new MessageEvent('message', { data: SUCCESS, origin: 'http://evil.test' }), ORIGIN)).toBeNull();
    expect(readOAuth2Message(new MessageEvent('message', { data: { type: 'other', ok: true }, origin: ORIGIN }), ORIGIN)).toBeNull();
    expect(readOAuth2Message(new MessageEvent('message', { data: 'text', origin: ORIGIN }), ORIGIN)).toBeNull();
  });

  it('resolves with the posted outcome', async () => {
    const popup = { closed: false };
    const waiting = waitForOAuth2(window, popup, ORIGIN);

    window.dispatchEvent(new MessageEvent('message', { data: { type: 'other' }, origin: ORIGIN }));
    window.dispatchEvent(new MessageEvent('message', { data: SUCCESS, origin: ORIGIN }));

    await expect(waiting).resolves.toEqual(SUCCESS);
  });

  it('reports a pop-up the user closed', async () => {
    const popup = { closed: false };
    const waiting = waitForOAuth2(window, popup, ORIGIN);

    popup.closed = true;
    await vi.advanceTimersByTimeAsync(POPUP_CLOSED_POLL_MS * 2);

    await expect(waiting).resolves.toEqual({ ok: false, error: expect.objectContaining({ code: 'OAUTH2_POPUP_CLOSED' }) });
  });

  it('takes a message that follows the close', async () => {
    const popup = { closed: false };
    const waiting = waitForOAuth2(window, popup, ORIGIN);

    popup.closed = true;
    await vi.advanceTimersByTimeAsync(POPUP_CLOSED_POLL_MS);
    window.dispatchEvent(new MessageEvent('message', { data: SUCCESS, origin: ORIGIN }));

    await expect(waiting).resolves.toEqual(SUCCESS);
  });
});
