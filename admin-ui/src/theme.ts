/** The colour theme: the system's unless the person picked one, remembered in this browser. */
export type ThemeChoice = "system" | "light" | "dark";
const KEY = "cms.theme";

export function themeChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

const media = () => (typeof window !== "undefined" && window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null);

export function applyTheme(choice: ThemeChoice = themeChoice()) {
  const dark = choice === "dark" || (choice === "system" && !!media()?.matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function setThemeChoice(choice: ThemeChoice) {
  try {
    if (choice === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    /* not remembered, still applied */
  }
  applyTheme(choice);
}

/** startTheme applies the theme now and follows the system while the choice is "system". */
export function startTheme() {
  applyTheme();
  media()?.addEventListener?.("change", () => applyTheme());
}
