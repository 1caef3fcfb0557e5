import { useEffect, useRef, useState } from 'react';
import { ApiError, toApiError } from '../api/api-error';
import { nextDelivery, type DeliveryRecord } from '../api/history-api';
import type { StudioApi } from '../api/studio-api';
import { ErrorNotice } from '../components/error-notice';
import { useI18n } from '../i18n/i18n';
import { webhookUrls } from './trigger-form';

/** Returns the body of a delivery as text: pretty JSON when it parses, base64 bodies as sent. */
export function deliveryBodyText(delivery: DeliveryRecord): string {
  if (delivery.bodyEncoding === 'base64') return delivery.body;
  try {
    return JSON.stringify(JSON.parse(delivery.body), null, 2);
  } catch {
    return delivery.body;
  }
}

/** Renders the webhook trigger: test and production URLs with copy buttons, and a listener for the next test delivery. */
export function WebhookSection({ api, graphId, publishedVersion }: { api: StudioApi; graphId: string; publishedVersion: number | null }) {
  const { t } = useI18n();
  const urls = webhookUrls(window.location.origin, graphId);
  const [copied, setCopied] = useState<string | null>(null);
  const [listening, setListening] = useState(false);
  const [received, setReceived] = useState<DeliveryRecord | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const stop = useRef<AbortController | null>(null);

  useEffect(() => () => stop.current?.abort(), []);

  const copy = async (label: string, url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(label);
    } catch {
      setCopied(null);
      setError(new ApiError(0, 'CLIPBOARD_FAILED', t('triggers.copyFailed')));
    }
  };

  /** Waits for deliveries in rounds of the server's long poll until one arrives or the user stops. */
  const listen = async () => {
    const controller = new AbortController();
    stop.current = controller;
    setListening(true);
    setReceived(null);
    setError(null);
    let after: string | null = null;
    try {
      while (!controller.signal.aborted) {
        const reply = await nextDelivery(api, graphId, after, controller.signal);
        if (reply.delivery !== null) {
          setReceived(reply.delivery);
          break;
        }
        after = reply.listenedUntil;
      }
    } catch (caught) {
      if (!controller.signal.aborted) setError(toApiError(caught));
    } finally {
      setListening(false);
    }
  };

  return (
    <section className="triggers__section" aria-labelledby="trigger-webhook">
      <h3 id="trigger-webhook">{t('triggers.webhook')}</h3>
      {[
        { key: 'test', label: t('triggers.testUrl'), url: urls.test, help: t('triggers.testUrlHelp') },
        {
          key: 'production',
          label: t('triggers.productionUrl'),
          url: urls.production,
          help: publishedVersion === null ? t('triggers.productionUnpublished') : t('triggers.productionHelp', { version: publishedVersion }),
        },
      ].map((item) => (
        <div key={item.key} className="triggers__url">
          <label>
            {item.label}
            <input readOnly value={item.url} onFocus={(event) => event.target.select()} />
          </label>
          <button type="button" onClick={() => void copy(item.key, item.url)} aria-label={t('triggers.copy', { label: item.label })}>
            {copied === item.key ? t('triggers.copied') : t('triggers.copyShort')}
          </button>
          <p className="muted">{item.help}</p>
        </div>
      ))}
      {listening ? (
        <p role="status" className="triggers__listening">
          {t('triggers.listening')}{' '}
          <button type="button" onClick={() => stop.current?.abort()}>
            {t('triggers.stopListening')}
          </button>
        </p>
      ) : (
        <button type="button" onClick={() => void listen()}>
          {t('triggers.listen')}
        </button>
      )}
      {error !== null && <ErrorNotice error={error} onDismiss={() => setError(null)} />}
      {received !== null && (
        <div className="triggers__delivery" data-testid="received-delivery">
          <h4>{t('triggers.received', { method: received.method })}</h4>
          <p className="muted">{new Date(received.receivedAt).toLocaleString()}</p>
          <table className="list__table">
            <caption className="visually-hidden">{t('triggers.headers')}</caption>
            <tbody>
              {Object.entries(received.headers).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4>{t('triggers.body')}</h4>
          <pre data-testid="received-body">{deliveryBodyText(received)}</pre>
        </div>
      )}
    </section>
  );
}
