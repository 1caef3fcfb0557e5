/**
 * The canvas's mini map, drawn on a `<canvas>` from the editor store. React Flow's `<MiniMap>`
 * renders an SVG element per node, each subscribed to React Flow's store, so every drag step ran
 * one selector per node and repainted the whole SVG. This map runs one subscription and redraws
 * its bitmap when the nodes, their sizes or the viewport change.
 */
import { Panel, useReactFlow, useStore as useFlowStore, type ReactFlowState } from '@xyflow/react';
import { useEffect, useRef, type PointerEvent, type WheelEvent } from 'react';
import { useStore } from 'zustand';
import { useI18n } from '../i18n/i18n';
import type { EditorStore, Size } from '../store/editor-store';
import { DEFAULT_NOTE_SIZE } from './sticky-note';

/** Size of the mini map, in CSS pixels; React Flow's `<MiniMap>` has the same default size. */
export const MINIMAP_SIZE_PX = { width: 200, height: 150 };
/** Space kept free around the drawn area, in CSS pixels of the mini map. */
const MARGIN_PX = 5;
/** Size drawn for a node that React Flow has not measured yet, in flow units. */
const UNMEASURED_NODE_SIZE: Size = { width: 200, height: 90 };
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

/** Returns the smallest rectangle that contains all `rects`, or null when there are none. */
export function boundsOf(rects: Iterable<Rect>): Rect | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const rect of rects) {
    minX = Math.min(minX, rect.x);
    minY = Math.min(minY, rect.y);
    maxX = Math.max(maxX, rect.x + rect.width);
    maxY = Math.max(maxY, rect.y + rect.height);
  }
  return minX === Infinity ? null : { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/** Fits the content and the viewport, both in flow coordinates, into the mini map, centred. */
export function miniMapView(content: Rect | null, viewport: Rect, size: Size = MINIMAP_SIZE_PX): MiniMapView {
  const bounds = boundsOf(content === null ? [viewport] : [content, viewport])!;
  const drawable = { width: size.width - 2 * MARGIN_PX, height: size.height - 2 * MARGIN_PX };
  const scale = Math.max(bounds.width / drawable.width, bounds.height / drawable.height) || 1;
  return {
    x: bounds.x - (size.width * scale - bounds.width) / 2,
    y: bounds.y - (size.height * scale - bounds.height) / 2,
    scale,
  };
}

/** The flow area that the canvas shows, in flow coordinates. */
function viewportOf(state: Pick<ReactFlowState, 'transform' | 'width' | 'height'>): Rect {
  const [x, y, zoom] = state.transform;
  return { x: -x / zoom, y: -y / zoom, width: state.width / zoom, height: state.height / zoom };
}

function sameViewport(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

interface DrawnRect extends Rect {
  color: string;
}

function rectsOf(state: ReturnType<EditorStore['getState']>): DrawnRect[] {
  const selected = new Set(state.selectedNodes);
  const rects: DrawnRect[] = state.content.notes.map((note) => ({
    ...note.position,
    ...(note.size ?? DEFAULT_NOTE_SIZE),
    color: NOTE_COLOR,
  }));
  for (const node of state.content.nodes) {
    const size = state.sizes[node.id] ?? UNMEASURED_NODE_SIZE;
    rects.push({ ...node.position, ...size, color: selected.has(node.id) ? SELECTED_NODE_COLOR : NODE_COLOR });
  }
  return rects;
}

function draw(canvas: HTMLCanvasElement, rects: DrawnRect[], viewport: Rect): MiniMapView {
  const view = miniMapView(boundsOf(rects), viewport);
  const context = canvas.getContext('2d');
  if (context === null) return view;
  const ratio = canvas.width / MINIMAP_SIZE_PX.width;
  const toPixels = ratio / view.scale;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.setTransform(toPixels, 0, 0, toPixels, -view.x * toPixels, -view.y * toPixels);
  for (const rect of rects) {
    context.fillStyle = rect.color;
    context.fillRect(rect.x, rect.y, rect.width, rect.height);
  }
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

  useEffect(() => {
    if (canvas.current !== null) view.current = draw(canvas.current, rectsOf(store.getState()), viewport);
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
