import type { runViewEn } from './run-view.en';

/** Textos em português do Brasil do texto ao vivo e das prévias de artefatos da execução. */
export const runViewPtBR: Record<keyof typeof runViewEn, string> = {
  'run.artifacts': 'Artefatos',
  'run.download': 'Baixar',
  'run.streaming': 'Saída do modelo (em transmissão)',
  'run.streamed': 'Saída do modelo (transmitida)',
  'run.statusList': 'Nós da execução',
};
