/** Textos das notas adesivas do canvas, em português do Brasil. */
import type { notesEn } from './notes.en';

export const notesPtBr = {
  'notes.add': 'Adicionar nota',
  'notes.text': 'Texto da nota',
  'notes.placeholder': 'Escreva uma nota…',
  'notes.delete': 'Excluir nota',
  'notes.color': 'Cor da nota: {color}',
  'notes.color.yellow': 'amarelo',
  'notes.color.blue': 'azul',
  'notes.color.green': 'verde',
  'notes.color.pink': 'rosa',
  'notes.color.purple': 'roxo',
} as const satisfies Record<keyof typeof notesEn, string>;
