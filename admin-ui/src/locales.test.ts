import { describe, expect, it } from "vitest";
import {
  addRow,
  changes,
  codeHint,
  cycle,
  fromSettings,
  inUse,
  localeLabel,
  moveRow,
  placeErrors,
  removeRow,
  renameRow,
  restoreRow,
  same,
  spellingFix,
  suggestFallback,
  toSettings,
  type LocaleSettings,
} from "./locales";

const saved: LocaleSettings = { default: "en", locales: [{ code: "en" }, { code: "fr", fallback: "en" }, { code: "fr-CA", fallback: "fr" }] };
const codes = (s: LocaleSettings) => s.locales.map((l) => `${l.code}${l.fallback ? `>${l.fallback}` : ""}`).join(" ");

describe("locale names", () => {
  it("reads a code in English", () => {
    expect(localeLabel("fr-CA")).toBe("fr-CA — French (Canada)");
    expect(localeLabel("zh-Hant")).toBe("zh-Hant — Chinese (Traditional)");
    expect(localeLabel("qaa")).toBe("qaa");
    expect(localeLabel("not a tag")).toBe("not a tag");
  });
});

describe("code hints", () => {
  const listed = ["en", "fr"];
  it("blocks only what is certainly wrong", () => {
    expect(codeHint("", listed)).toBeNull();
    expect(codeHint("fr", listed)).toMatchObject({ tone: "error", text: "fr is already listed." });
    expect(codeHint("FR", listed)).toMatchObject({ tone: "error" });
  });
  it("advises the canonical spelling, and names what it can", () => {
    expect(codeHint("fr-ca", listed)).toEqual({ tone: "warn", text: "Codes are written in their canonical spelling: fr-CA — French (Canada).", suggestion: "fr-CA" });
    expect(codeHint("fr_CA", listed)).toMatchObject({ tone: "warn", suggestion: "fr-CA" });
    expect(codeHint("fr-CA", listed)).toEqual({ tone: "ok", text: "French (Canada)" });
    expect(codeHint("fr CA", listed)).toMatchObject({ tone: "warn", text: expect.stringContaining("BCP 47") });
    expect(codeHint("english", listed)).toEqual({ tone: "warn", text: "This browser knows no language written english: check it." });
    expect(codeHint("x".repeat(36), listed)).toMatchObject({ tone: "warn" });
  });
});

describe("the draft", () => {
  it("round-trips the saved settings", () => {
    const d = fromSettings(saved);
    expect(toSettings(d)).toEqual(saved);
    expect(same(toSettings(d), saved)).toBe(true);
    expect(changes(saved, d)).toEqual([]);
    // Keys stay with codes across a reload of the same settings.
    expect(fromSettings(saved, d.rows).rows.map((r) => r.key)).toEqual(d.rows.map((r) => r.key));
  });

  it("adds with the nearest listed parent as the fallback, else the default", () => {
    let d = fromSettings({ default: "en", locales: [{ code: "en" }] });
    d = addRow(d, "fr");
    d = addRow(d, "fr-CA");
    d = addRow(d, "de-CH");
    expect(codes(toSettings(d))).toBe("en fr>en fr-CA>fr de-CH>en");
    expect(suggestFallback("en", d.rows, "en")).toBe("");
    expect(changes({ default: "en", locales: [{ code: "en" }] }, d)).toEqual(["fr, fr-CA, de-CH added"]);
  });

  it("moves rows and tells the order changed", () => {
    const d = moveRow(fromSettings(saved), 2, -1);
    expect(codes(toSettings(d))).toBe("en fr-CA>fr fr>en");
    expect(changes(saved, d)).toEqual(["new order"]);
    expect(moveRow(d, 0, -1)).toBe(d);
  });

  it("removes a saved locale aside, rewiring its dependants, and puts it all back", () => {
    const d0 = fromSettings(saved);
    const fr = d0.rows[1]!.key;
    const d1 = removeRow(d0, fr, new Set(["en", "fr", "fr-CA"]));
    expect(codes(toSettings(d1))).toBe("en fr-CA>en");
    expect(d1.removed.map((r) => r.row.code)).toEqual(["fr"]);
    expect(changes(saved, d1)).toEqual(["fr removed", "fallback of fr-CA changed"]);
    const d2 = restoreRow(d1, fr);
    expect(toSettings(d2)).toEqual(saved);
    expect(d2.removed).toEqual([]);
    // Adding the code again puts the saved one back.
    expect(toSettings(addRow(d1, "fr"))).toEqual(saved);
  });

  it("drops a new locale for good", () => {
    const d = addRow(fromSettings(saved), "de");
    const de = d.rows[3]!.key;
    expect(removeRow(d, de, new Set(["en", "fr", "fr-CA"])).removed).toEqual([]);
  });

  it("renames an added code and what falls back to it", () => {
    let d = addRow(fromSettings({ default: "en", locales: [{ code: "en" }] }), "pt-br");
    d = addRow(d, "pt-PT");
    d = { ...d, rows: d.rows.map((r) => (r.code === "pt-PT" ? { ...r, fallback: "pt-br" } : r)) };
    d = renameRow(d, d.rows[1]!.key, "pt-BR");
    expect(codes(toSettings(d))).toBe("en pt-BR>en pt-PT>pt-BR");
  });

  it("finds the circle a row is in", () => {
    const d = fromSettings({ default: "en", locales: [{ code: "en", fallback: "fr-CA" }, { code: "fr", fallback: "en" }, { code: "fr-CA", fallback: "fr" }, { code: "de", fallback: "en" }] });
    expect(cycle(d.rows, "en")).toEqual(["en", "fr-CA", "fr", "en"]);
    expect(cycle(d.rows, "de")).toBeNull();
    expect(cycle(fromSettings(saved).rows, "fr-CA")).toBeNull();
  });
});

describe("the server's refusals", () => {
  it("puts field errors at the rows that were sent", () => {
    const d = addRow(fromSettings(saved), "en-us");
    const p = placeErrors({ "locales[3].code": 'write "en-us" as en-US', "locales[0].fallback": "x", default: "required", "locales[9].code": "?" }, d.rows);
    expect(p.rows[d.rows[3]!.key]).toEqual({ code: 'write "en-us" as en-US' });
    expect(p.rows[d.rows[0]!.key]).toEqual({ fallback: "x" });
    expect(p.other).toEqual({ default: "required", "locales[9].code": "?" });
    expect(spellingFix('write "en-us" as en-US')).toBe("en-US");
    expect(spellingFix("required")).toBeNull();
  });

  it("reads which locales are in use from a 409", () => {
    expect(inUse("a locale in use cannot be removed: fr by 1 entry")).toEqual({ fr: "1 entry" });
    expect(inUse("a locale in use cannot be removed: de by 3 entries, fr by 1 entry")).toEqual({ de: "3 entries", fr: "1 entry" });
    expect(inUse("something else")).toEqual({});
  });
});
