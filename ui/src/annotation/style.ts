/**
 * Making config-supplied CSS safe to apply. Configs are written by project leads, but they
 * travel with project files and Label Studio exports, so they are treated as untrusted: nothing
 * they contain may load a remote resource or style anything outside the task panel.
 */
import type { CSSProperties } from "react";

/** Values that could fetch something (`url(...)`, `image-set(...)`) or run script (old IE). */
const UNSAFE_VALUE = /url\s*\(|image-set\s*\(|expression\s*\(|javascript:|@import|\\/i;

function camelCase(property: string): string {
  if (property.startsWith("--")) return property; // custom properties keep their name
  const withoutMsPrefix = property.startsWith("-ms-") ? property.slice(1) : property;
  return withoutMsPrefix.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * `<View style="...">` as a React style object: declarations are parsed one by one, property
 * names checked, and unsafe values dropped (a string style would need innerHTML-like trust).
 */
export function parseInlineStyle(css: string | null): CSSProperties {
  const style: Record<string, string> = {};
  if (css === null) return style;
  for (const declaration of css.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (!/^(--|-?)[a-z][a-z0-9-]*$/.test(property) || value === "" || UNSAFE_VALUE.test(value)) continue;
    style[camelCase(property)] = value.replace(/\s*!important$/i, "");
  }
  return style as CSSProperties;
}

/**
 * `<Style>` CSS for the task panel. Scoping is done by the shadow root the panel lives in (see
 * `ShadowPanel`), so selectors cannot reach the app around it; here remote loads are removed
 * (`@import`, non-`data:` `url(...)`, `image-set(...)`) and `:host` is neutralised.
 */
export function sanitiseStyleSheet(css: string): string {
  return (
    css
      // CSS escapes can spell `url(` or `@import` in disguise (`u\72l(`); configs have no need of them.
      .replace(/\\/g, "")
      .replace(/@import[^;]*;?/gi, "")
      .replace(/url\s*\(\s*(['"]?)(?!data:)[^)]*\)/gi, "none")
      .replace(/(-webkit-)?image-set\s*\(/gi, "blocked(")
      // `:host` would style the shadow host itself, which sits in the app's page (it could be
      // made `position: fixed` over the app's buttons); it matches nothing after this.
      .replace(/:host(-context)?/gi, ":not(*)")
  );
}
