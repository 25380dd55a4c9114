/**
 * Collision-aware placement of the map's permanent labels: in priority order (incidents,
 * the most severe and newest first, then townships with escalations, late answers …),
 * each label takes the first side of its marker (right, left, above, below) where it
 * overlaps no label already placed and no other marker; a label with no free side is
 * hidden and shows when its marker is hovered (an incident's label is never hidden). Pure, so it is tested without a map.
 */
export type Side = "right" | "left" | "top" | "bottom";
export const SIDES: Side[] = ["right", "left", "top", "bottom"];

export interface LabelBox {
  key: string;
  /** the marker's position on the map (px) */
  x: number;
  y: number;
  /** the label's size (px) */
  width: number;
  height: number;
  /** the marker's half size: the label keeps this far from its centre */
  radius: number;
  priority: number; // lower is placed first
  /** Never hidden (an incident): with no free side it takes the first side inside the map
   * that no label placed before covers, and the labels placed after it avoid it. */
  keep?: boolean;
}

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function rectOf(box: LabelBox, side: Side, gap = 4): Rect {
  const d = box.radius + gap;
  const { x, y, width: w, height: h } = box;
  if (side === "right") return { left: x + d, top: y - h / 2, right: x + d + w, bottom: y + h / 2 };
  if (side === "left") return { left: x - d - w, top: y - h / 2, right: x - d, bottom: y + h / 2 };
  if (side === "top") return { left: x - w / 2, top: y - d - h, right: x + w / 2, bottom: y - d };
  return { left: x - w / 2, top: y + d, right: x + w / 2, bottom: y + d + h };
}

export const overlaps = (a: Rect, b: Rect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** The side each label goes on, or null when it must hide. */
export function placeLabels(boxes: LabelBox[], bounds?: Rect): Map<string, Side | null> {
  const order = [...boxes].sort((a, b) => a.priority - b.priority);
  const markers = boxes.map((b) => ({ key: b.key, rect: { left: b.x - b.radius, top: b.y - b.radius, right: b.x + b.radius, bottom: b.y + b.radius } }));
  const taken: Rect[] = [];
  const out = new Map<string, Side | null>();
  for (const box of order) {
    const inside = (r: Rect) => !bounds || (r.left >= bounds.left && r.top >= bounds.top && r.right <= bounds.right && r.bottom <= bounds.bottom);
    const free = (r: Rect) => !taken.some((t) => overlaps(t, r));
    const clear = (r: Rect) => !markers.some((m) => m.key !== box.key && overlaps(m.rect, r));
    let side = SIDES.find((s) => inside(rectOf(box, s)) && free(rectOf(box, s)) && clear(rectOf(box, s)));
    if (!side && box.keep) side = SIDES.find((s) => inside(rectOf(box, s)) && free(rectOf(box, s))) ?? SIDES.find((s) => inside(rectOf(box, s))) ?? "right";
    out.set(box.key, side ?? null);
    if (side) taken.push(rectOf(box, side));
  }
  return out;
}
