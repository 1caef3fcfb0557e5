/**
 * The canvas's mini map, drawn on a `<canvas>` from the editor store. React Flow's `<MiniMap>`
 * renders an SVG element per node, each subscribed to React Flow's store, so every drag step ran
 * one selector per node and repainted the whole SVG. This map runs one subscription and redraws
 * its bitmap, at most every `MINIMAP_REDRAW_MS`, when the nodes, their sizes or the viewport change.
 */
import { Panel, useReactFlow, useStore as useFlowStore, type ReactFlowState } from '@xyflow/react';
import { useEffect, useRef, type PointerEvent, type WheelEvent } from 'react';
import { useStore } from 'zustand';
import { useI18n } from '../i18n/i18n';
import type { EditorStore, Size } from '../store/editor-store';
import { DEFAULT_NOTE_SIZE } from './sticky-note';

/** Size of the mini map, in CSS pixels. React Flow 12's `<MiniMap>` has the same default size. */
export const MINIMAP_SIZE_PX = { width: 200, height: 150 };
/** Space kept free around the drawn area, in CSS pixels of the mini map. */
const MARGIN_PX = 5;
/** Size drawn for a node that React Flow has not measured yet, in flow units. */
const UNMEASURED_NODE_SIZE: Size = { width: 200, height: 90 };
/** Shortest time between two redraws of the mini map, in milliseconds. */
const MINIMAP_REDRAW_MS = 100;
/** Zoom factor of one wheel notch over the mini map. */
const WHEEL_ZOOM_FACTOR = 1.2;

const NODE_COLOR = '#c4c9d2';
const SELECTED_NODE_COLOR = '#2f6fde';
const NOTE_COLOR = '#f3e3a1';
const MASK_COLOR = 'rgba(240, 240, 240, 0.6)';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Placement of the flow in the mini map. */
export interface MiniMapView {
  /** Flow coordinates shown at the mini map's top-left corner. */
  x: number;
  y: number;
  /** Flow units per CSS pixel of the mini map. */
  scale: number;
}

/** Returns the smallest rectangle that contains both `a` and `b`. */
function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/** Fits the content and the viewport, both in flow coordinates, into the mini map, centred. */
export function miniMapView(content: Rect | null, viewport: Rect, size: Size = MINIMAP_SIZE_PX): MiniMapView {
  const bounds = content === null ? viewport : union(content, viewport);
  const drawable = { width: size.width - 2 * MARGIN_PX, height: size.height - 2 * MARGIN_PX };
  const scale = Math.max(bounds.width / drawable.width, bounds.height / drawable.height) || 1;
  return {
    x: bounds.x - (size.width * scale - bounds.width) / 2,
    y: bounds.y - (size.height * scale - bounds.height) / 2,
    scale,
  };
}

/** Returns the flow area that the canvas shows, in flow coordinates. */
function viewportOf(state: Pick<ReactFlowState, 'transform' | 'width' | 'height'>): Rect {
  const [x, y, zoom] = state.transform;
  return { x: -x / zoom, y: -y / zoom, width: state.width / zoom, height: state.height / zoom };
}

function sameViewport(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

type EditorState = ReturnType<EditorStore['getState']>;

/** Calls `visit` with the rectangle of every note and node, in flow coordinates, without allocating. */
function forEachRect(state: EditorState, visit: (x: number, y: number, width: number, height: number, color: string) => void): void {
  for (const note of state.content.notes) {
    const size = note.size ?? DEFAULT_NOTE_SIZE;
    visit(note.position.x, note.position.y, size.width, size.height, NOTE_COLOR);
  }
  const selected = new Set(state.selectedNodes);
  for (const node of state.content.nodes) {
    const size = state.sizes[node.id] ?? UNMEASURED_NODE_SIZE;
    visit(node.position.x, node.position.y, size.width, size.height, selected.has(node.id) ? SELECTED_NODE_COLOR : NODE_COLOR);
  }
}

function contentBounds(state: EditorState): Rect | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  forEachRect(state, (x, y, width, height) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + width);
    maxY = Math.max(maxY, y + height);
  });
  return minX === Infinity ? null : { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

function draw(canvas: HTMLCanvasElement, state: EditorState, viewport: Rect): MiniMapView {
  const view = miniMapView(contentBounds(state), viewport);
  const context = canvas.getContext('2d');
  if (context === null) return view;
  const ratio = canvas.width / MINIMAP_SIZE_PX.width;
  const toPixels = ratio / view.scale;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.setTransform(toPixels, 0, 0, toPixels, -view.x * toPixels, -view.y * toPixels);
  forEachRect(state, (x, y, width, height, color) => {
    if (context.fillStyle !== color) context.fillStyle = color;
    context.fillRect(x, y, width, height);
  });
  // Everything outside the viewport is veiled, as React Flow's mini map does.
  context.fillStyle = MASK_COLOR;
  context.beginPath();
  context.rect(view.x, view.y, MINIMAP_SIZE_PX.width * view.scale, MINIMAP_SIZE_PX.height * view.scale);
  context.rect(viewport.x, viewport.y, viewport.width, viewport.height);
  context.fill('evenodd');
  return view;
}

/**
 * Renders the mini map in the canvas's bottom-right corner. Pressing or dragging on it centres
 * the canvas on that point, and the wheel zooms the canvas.
 */
export function CanvasMiniMap({ store }: { store: EditorStore }) {
  const { t } = useI18n();
  const flow = useReactFlow();
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<MiniMapView | null>(null);
  const dragging = useRef(false);
  const viewportCache = useRef<Rect | null>(null);
  // The same object while the viewport is unchanged, so other React Flow updates do not redraw.
  const viewport = useFlowStore((state) => {
    const next = viewportOf(state);
    const previous = viewportCache.current;
    if (previous !== null && sameViewport(previous, next)) return previous;
    viewportCache.current = next;
    return next;
  });
  const content = useStore(store, (state) => state.content);
  const sizes = useStore(store, (state) => state.sizes);
  const selectedNodes = useStore(store, (state) => state.selectedNodes);

  // Each drag step changes the nodes, and drawing 5,000 of them took about 6 ms in headless
  // Chromium, so the map waits until MINIMAP_REDRAW_MS after its last draw and draws the latest state.
  const lastDraw = useRef(-Infinity);
  useEffect(() => {
    const wait = Math.max(0, lastDraw.current + MINIMAP_REDRAW_MS - performance.now());
    const timer = setTimeout(() => {
      lastDraw.current = performance.now();
      if (canvas.current !== null) view.current = draw(canvas.current, store.getState(), viewport);
    }, wait);
    return () => clearTimeout(timer);
  }, [store, content, sizes, selectedNodes, viewport]);

  const centreOn = (event: PointerEvent<HTMLCanvasElement>) => {
    const current = view.current;
    if (current === null) return;
    const bounds = event.currentTarget.getBoundingClientRect();
    const x = current.x + (event.clientX - bounds.left) * current.scale;
    const y = current.y + (event.clientY - bounds.top) * current.scale;
    void flow.setCenter(x, y, { zoom: flow.getZoom() });
  };

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0) return;
    dragging.current = true;
    event.currentTarget.setPointerCapture?.(event.pointerId);
    centreOn(event);
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    if (dragging.current) centreOn(event);
  };
  const onPointerUp = (event: PointerEvent<HTMLCanvasElement>) => {
    dragging.current = false;
    event.currentTarget.releasePointerCapture?.(event.pointerId);
  };
  const onWheel = (event: WheelEvent<HTMLCanvasElement>) => {
    const factor = event.deltaY < 0 ? WHEEL_ZOOM_FACTOR : 1 / WHEEL_ZOOM_FACTOR;
    void flow.zoomTo(flow.getZoom() * factor);
  };

  const ratio = Math.max(1, Math.round(globalThis.devicePixelRatio ?? 1));
  return (
    <Panel position="bottom-right" className="react-flow__minimap canvas-minimap" data-testid="minimap">
      <canvas
        ref={canvas}
        width={MINIMAP_SIZE_PX.width * ratio}
        height={MINIMAP_SIZE_PX.height * ratio}
        style={MINIMAP_SIZE_PX}
        role="img"
        aria-label={t('canvas.minimap')}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onWheel={onWheel}
      />
    </Panel>
  );
}
