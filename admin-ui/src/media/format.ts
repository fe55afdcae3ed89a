import type { Media } from "../api/client";

export type Kind = "image" | "video" | "audio" | "document";

export const kinds: { value: Kind | ""; label: string }[] = [
  { value: "", label: "All" },
  { value: "image", label: "Images" },
  { value: "video", label: "Video" },
  { value: "audio", label: "Audio" },
  { value: "document", label: "Documents" },
];

export function mediaKind(mime: string): Kind {
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("video/")) return "video";
  if (mime.startsWith("audio/")) return "audio";
  return "document";
}

/** formatBytes writes a size the way file managers do: 512 B, 14 KB, 3.2 MB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1).replace(/\.0$/, "") : Math.round(v)} ${units[i]}`;
}

/** extension is the upper-case file extension ("JPG"), or the mime subtype. */
export function extension(filename: string, mime: string): string {
  const m = /\.([a-z0-9]{1,8})$/i.exec(filename);
  if (m?.[1]) return m[1].toUpperCase();
  return (mime.split("/")[1] ?? "file").split(/[+.;-]/)[0]!.toUpperCase();
}

/** typeLabel is a human name of a file's type: "JPG image", "PDF document". */
export function typeLabel(m: Pick<Media, "filename" | "mime">): string {
  const k = mediaKind(m.mime);
  return `${extension(m.filename, m.mime)} ${k === "document" ? "document" : k === "image" ? "image" : k}`;
}

export function dimensions(m: Pick<Media, "width" | "height">): string {
  return m.width && m.height ? `${m.width} × ${m.height}` : "";
}

/** Raster images the server can resize (it answers the original for others). */
export function hasVariants(m: Pick<Media, "mime" | "width">): boolean {
  return /^image\/(jpeg|png|webp|gif|avif)$/.test(m.mime) && !!m.width;
}

/** variantURL adds resize parameters to a media url (which may already carry ?v=). */
export function variantURL(url: string, params: Record<string, string | number>): string {
  const q = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  if (!q) return url;
  return url + (url.includes("?") ? "&" : "?") + q;
}

/** thumbnail is the grid's image: a small webp variant for raster images, else the original. */
export function thumbnail(m: Pick<Media, "url" | "mime" | "width">, width = 400): { src: string; srcSet?: string } {
  if (!hasVariants(m)) return { src: m.url };
  return { src: variantURL(m.url, { w: width, fm: "webp" }), srcSet: `${variantURL(m.url, { w: width, fm: "webp" })} 1x, ${variantURL(m.url, { w: width * 2, fm: "webp" })} 2x` };
}

export function missingAlt(m: Pick<Media, "mime" | "alt">): boolean {
  return mediaKind(m.mime) === "image" && !m.alt.trim();
}

/** percent writes a 0..1 coordinate as a whole percentage. */
export function percent(v: number): string {
  return `${Math.round(v * 100)}%`;
}

export function clamp01(v: number): number {
  return Math.min(1, Math.max(0, Math.round(v * 1000) / 1000));
}
