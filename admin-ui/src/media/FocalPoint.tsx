import { useRef, type KeyboardEvent } from "react";
import type { Media } from "../api/client";
import { clamp01, percent, thumbnail } from "./format";

type Props = { item: Media; x: number; y: number; onChange?: (x: number, y: number) => void };

/**
 * FocalPoint shows an image with a crosshair at its focal point, the spot
 * that crops keep. A click on the image moves it; so do the arrow keys on
 * the marker (Shift: in bigger steps; Home: back to the centre).
 */
export function FocalPoint({ item, x, y, onChange }: Props) {
  const img = useRef<HTMLImageElement>(null);
  const t = thumbnail(item, 800);
  const editable = !!onChange;
  const key = (e: KeyboardEvent) => {
    if (!onChange) return;
    const step = e.shiftKey ? 0.1 : 0.01;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const m = moves[e.key];
    if (m) {
      e.preventDefault();
      onChange(clamp01(x + m[0]), clamp01(y + m[1]));
    } else if (e.key === "Home") {
      e.preventDefault();
      onChange(0.5, 0.5);
    }
  };
  return (
    <div className={`focal ${editable ? "editable" : ""}`}>
      <img
        ref={img}
        src={t.src}
        srcSet={t.srcSet}
        alt={item.alt}
        width={item.width ?? undefined}
        height={item.height ?? undefined}
        style={item.placeholder ? { backgroundImage: `url("${item.placeholder}")` } : undefined}
        onClick={(e) => {
          if (!onChange || !img.current) return;
          const r = img.current.getBoundingClientRect();
          onChange(clamp01((e.clientX - r.left) / r.width), clamp01((e.clientY - r.top) / r.height));
        }}
      />
      {editable ? (
        <span
          className="focal-marker"
          style={{ left: `${x * 100}%`, top: `${y * 100}%` }}
          role="slider"
          tabIndex={0}
          aria-label="Focal point"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(x * 100)}
          aria-valuetext={`${percent(x)} from the left, ${percent(y)} from the top`}
          aria-describedby="focal-help"
          onKeyDown={key}
        />
      ) : (
        <span className="focal-marker" style={{ left: `${x * 100}%`, top: `${y * 100}%` }} aria-hidden="true" />
      )}
    </div>
  );
}

/**
 * cropPosition is the object-position that shows the crop of an image of
 * aspect ratio img (width / height) in a box of aspect ratio box centred on
 * the focal point, slid back inside the image at its edges: as the server
 * crops for fit=cover.
 */
export function cropPosition(img: number, box: number, x: number, y: number): string {
  const axis = (size: number, f: number) => {
    if (size >= 1) return 50; // nothing is cut on this axis
    const start = Math.min(Math.max(f - size / 2, 0), 1 - size);
    return (start / (1 - size)) * 100;
  };
  const w = img > box ? box / img : 1; // the share of the width the crop keeps
  const h = img < box ? img / box : 1;
  return `${axis(w, x).toFixed(1)}% ${axis(h, y).toFixed(1)}%`;
}

const crops = [
  { label: "Square", ratio: 1 },
  { label: "Wide", ratio: 16 / 9 },
  { label: "Tall", ratio: 4 / 5 },
];

/** CropPreviews shows how crops around the focal point will look, live while it moves. */
export function CropPreviews({ item, x, y }: { item: Media; x: number; y: number }) {
  if (!item.width || !item.height) return null;
  const t = thumbnail(item, 400);
  const img = item.width / item.height;
  return (
    <div className="crops" aria-label="Crop previews" role="group">
      {crops.map((c) => (
        <figure key={c.label} className={`crop crop-${c.label.toLowerCase()}`}>
          <img src={t.src} alt="" style={{ objectPosition: cropPosition(img, c.ratio, x, y) }} />
          <figcaption>{c.label}</figcaption>
        </figure>
      ))}
    </div>
  );
}
