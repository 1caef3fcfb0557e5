import { describe, expect, it } from 'vitest';
import { MINIMAP_SIZE_PX, miniMapView } from './canvas-minimap';

describe('mini map geometry', () => {
  it('fits wide content to the map width', () => {
    const content = { x: 0, y: 0, width: 1900, height: 100 };
    const viewport = { x: 0, y: 0, width: 400, height: 100 };

    const view = miniMapView(content, viewport);

    // 190 px of the 200 px map are drawable, so 10 flow units per pixel.
    expect(view.scale).toBe(10);
    expect(view.x).toBe(-50);
    // The content is centred vertically.
    expect(view.y).toBe(-(MINIMAP_SIZE_PX.height * 10 - 100) / 2);
  });

  it('includes a viewport outside the content', () => {
    const content = { x: 0, y: 0, width: 190, height: 140 };
    const viewport = { x: 1710, y: 0, width: 190, height: 140 };

    const view = miniMapView(content, viewport);

    expect(view.scale).toBe(10);
    const right = view.x + MINIMAP_SIZE_PX.width * view.scale;
    expect(right).toBeGreaterThanOrEqual(1900);
  });

  it('shows the viewport alone on an empty graph', () => {
    const view = miniMapView(null, { x: 100, y: 100, width: 380, height: 280 });

    expect(view.scale).toBe(2);
    expect(view.x).toBe(100 - (400 - 380) / 2);
  });
});
