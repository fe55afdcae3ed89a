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
