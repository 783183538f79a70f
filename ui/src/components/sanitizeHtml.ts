/**
 * Task HTML (`<HyperText>`) to markup that is safe to put into the task panel. Task data is
 * hostile, so this is stricter than a generic sanitiser: DOMPurify (HTML profile only, so no SVG
 * or MathML) removes scripts and event handlers, and a hook then makes sure nothing can load,
 * submit or navigate anywhere:
 * - images keep only `data:image/...` sources (no `srcset`); every other image loses its `src`;
 * - links lose `href` (the address stays readable as a tooltip), so a click goes nowhere;
 * - `style` attributes that use `url()`, `image-set()`, `@import` or `expression()` are dropped
 *   whole, except when every `url()` is a `data:image/...`;
 * - forms, frames, embeds, media, `<base>`, `<meta>`, `<link>` and `<style>` elements are removed.
 *
 * It uses its own DOMPurify instance, so its hooks never touch the guidelines' markdown renderer.
 */
import DOMPurify, { type DOMPurify as Purifier } from "dompurify";

const SAFE_DATA_IMAGE = /^data:image\/(png|gif|jpeg|jpg|webp|avif|bmp);/i;

const FORBID_TAGS = [
  "script", "style", "link", "meta", "base", "title",
  "form", "input", "button", "textarea", "select", "option", "fieldset",
  "iframe", "frame", "frameset", "object", "embed", "applet", "portal",
  "video", "audio", "source", "track", "picture", "canvas", "noscript", "template",
  "svg", "math",
];

const FORBID_ATTR = [
  "srcset", "action", "formaction", "background", "poster", "ping", "lowsrc", "dynsrc",
  "longdesc", "usemap", "xlink:href", "target", "download", "http-equiv", "content",
];

/** True when an inline style could load something (or run legacy script). */
function styleIsUnsafe(style: string): boolean {
  const lower = style.toLowerCase();
  if (/@import|expression\s*\(|image-set\s*\(|-moz-binding|behavior\s*:/.test(lower)) return true;
  const urls = [...style.matchAll(/url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi)].map((match) => match[2] ?? "");
  if (/url\s*\(/i.test(style) && urls.length === 0) return true;
  return urls.some((url) => !SAFE_DATA_IMAGE.test(url.trim()));
}

let purifier: Purifier | null = null;

function getPurifier(): Purifier {
  if (purifier !== null) return purifier;
  const instance = DOMPurify(window);
  instance.addHook("afterSanitizeAttributes", (node) => {
    if (!(node instanceof Element)) return;
    if (node.hasAttribute("src")) {
      const src = node.getAttribute("src") ?? "";
      if (node.tagName !== "IMG" || !SAFE_DATA_IMAGE.test(src.trim())) {
        node.removeAttribute("src");
        node.setAttribute("data-blocked", "remote content not loaded");
      }
    }
    if (node.hasAttribute("href")) {
      const href = node.getAttribute("href") ?? "";
      node.removeAttribute("href");
      node.setAttribute("title", href);
    }
    const style = node.getAttribute("style");
    if (style !== null && styleIsUnsafe(style)) node.removeAttribute("style");
  });
  purifier = instance;
  return instance;
}

export interface SanitizedHtml {
  html: string;
  /** How many elements were removed whole (scripts, frames, embeds...), to tell the annotator. */
  nRemovedElements: number;
}

export function sanitizeHtml(html: string): SanitizedHtml {
  const instance = getPurifier();
  const clean = instance.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    WHOLE_DOCUMENT: false,
  });
  const nRemovedElements = instance.removed.filter((entry) => "element" in entry).length;
  return { html: clean, nRemovedElements };
}
