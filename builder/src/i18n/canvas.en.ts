/** English texts of the canvas's own controls. */
export const canvasEn = {
  'canvas.minimap': 'Mini map of the graph',
} as const;
