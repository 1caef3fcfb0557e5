import type { playgroundStreamEn } from './playground-stream.en';

/** Textos em português do Brasil da resposta transmitida do playground e do botão de parar. */
export const playgroundStreamPtBR: Record<keyof typeof playgroundStreamEn, string> = {
  'playground.stream.growing': 'Resposta até agora (ainda chegando)',
  'playground.stream.partial': 'Resposta recebida antes do fim da tarefa',
  'playground.stop': 'Parar',
  'playground.stopFailed': 'Não foi possível parar a tarefa.',
};
