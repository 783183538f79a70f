/**
 * Markdown (project guidelines) to sanitised HTML. Guidelines come with project files, so they
 * are untrusted like task data: DOMPurify removes scripts and event handlers, and a hook makes
 * sure nothing loads or opens a remote resource: images keep only `data:` sources, links lose
 * their `href` (the address stays visible as a tooltip), and `style`/`srcset` attributes, forms
 * and embeds are dropped. Only the HTML profile is allowed (no SVG/MathML `href` tricks).
 */
import DOMPurify from "dompurify";
import { marked } from "marked";

let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "IMG") {
      const src = node.getAttribute("src") ?? "";
      if (!/^data:image\/(png|gif|jpeg|webp);/i.test(src)) {
        node.removeAttribute("src");
        node.setAttribute("data-blocked", "remote image not loaded");
      }
    }
    if (node.tagName === "A") {
      const href = node.getAttribute("href");
      node.removeAttribute("href");
      node.removeAttribute("target");
      if (href !== null) node.setAttribute("title", href);
    }
  });
}

export function renderMarkdown(markdown: string): string {
  installHooks();
  const html = marked.parse(markdown, { async: false, gfm: true });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input", "button", "iframe", "object", "embed", "video", "audio", "source", "picture", "link", "meta", "base"],
    FORBID_ATTR: ["style", "srcset", "action", "formaction", "background", "poster"],
  });
}
