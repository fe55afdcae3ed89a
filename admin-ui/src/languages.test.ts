import { describe, expect, it } from "vitest";
import type { Entry } from "./api/client";
import { missingLocales, sourceOf, translateURL } from "./pages/entry/Languages";

const entry = (locale: string, translations: Partial<Entry["translations"][number]>[]) =>
  ({ id: "e1", type: "post", locale, translations: translations.map((t) => ({ id: "x", status: "draft", live: false, revised_at: "", outdated: false, source: false, ...t })) }) as unknown as Entry;

describe("an entry's languages", () => {
  it("lists the configured locales its document lacks, in the configured order", () => {
    expect(missingLocales(entry("en", [{ locale: "fr" }]), ["en", "de", "fr", "fr-CA"])).toEqual(["de", "fr-CA"]);
    expect(missingLocales(entry("fr", [{ locale: "en" }]), ["en", "fr"])).toEqual([]);
  });
  it("finds the original among the translations", () => {
    expect(sourceOf(entry("fr", [{ id: "o", locale: "en", source: true }]))?.id).toBe("o");
    expect(sourceOf(entry("en", [{ locale: "fr" }]))).toBeUndefined();
  });
  it("opens a translation prefilled from the entry", () => {
    expect(translateURL(entry("en", []), "fr-CA")).toBe("/entries/new?type=post&translation_of=e1&locale=fr-CA");
  });
});
