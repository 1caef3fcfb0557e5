/** Textos em português do Brasil que dizem quem publicou uma versão do grafo. */
import type { publisherEn } from './publisher.en';

export const publisherPtBR = {
  'versions.publishedBy': 'publicada em {date} por {user}',
} satisfies Record<keyof typeof publisherEn, string>;
