/** Textos dos controles próprios do canvas, em português do Brasil. */
import type { canvasEn } from './canvas.en';

export const canvasPtBr = {
  'canvas.minimap': 'Minimapa do grafo',
} as const satisfies Record<keyof typeof canvasEn, string>;
