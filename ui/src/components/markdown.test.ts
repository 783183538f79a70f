import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("renders markdown and removes scripts, handlers, remote images and link targets", () => {
    const html = renderMarkdown(
      '# Title\n\n**bold** [docs](https://example.com)\n\n<script>alert(1)</script><img src="https://t.example/p.png" onerror="alert(1)"><img src="data:image/png;base64,AAAA"><p style="background:url(https://x)">s</p>',
    );
    const container = document.createElement("div");
    container.innerHTML = html;
    expect(container.querySelector("h1")?.textContent).toBe("Title");
    expect(container.querySelector("strong")?.textContent).toBe("bold");
    expect(container.querySelector("script")).toBeNull();
    expect(html).not.toContain("onerror");
    expect(html).not.toContain("t.example");
    expect(container.querySelector("a")?.hasAttribute("href")).toBe(false);
    expect(container.querySelector("a")?.getAttribute("title")).toBe("https://example.com");
    expect([...container.querySelectorAll("img[src]")].map((img) => img.getAttribute("src"))).toEqual([
      "data:image/png;base64,AAAA",
    ]);
    expect(container.querySelector("[style]")).toBeNull();
  });
});
