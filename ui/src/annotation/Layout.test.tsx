import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Interface } from "../bindings/Interface";
import { createRegistry } from "../modalities";
import { registerTextModality } from "../modalities/text";
import { Registry } from "./registry";
import { classification, option, choicesControl, sentiment, textObject, view } from "../test/fixtures";
import { buildKeymap } from "./keymap";
import { Layout, substituteFields } from "./Layout";
import { initialValues, type ControlValues } from "./result";
import { parseInlineStyle, sanitiseStyleSheet } from "./style";

afterEach(cleanup);

const registry = createRegistry();

function renderLayout(iface: Interface, data: Record<string, unknown>, values?: ControlValues, withRegistry: Registry = registry) {
  const registry = withRegistry;
  const keymap = buildKeymap(iface, registry);
  const onChange = vi.fn();
  render(
    <Layout
      iface={iface}
      registry={registry}
      data={data}
      values={values ?? initialValues(iface, registry, null)}
      onChange={onChange}
      keyFor={keymap.keyFor}
      missing={new Set()}
    />,
  );
  return { onChange };
}

describe("Layout", () => {
  it("renders the tree in order: views with safe inline style, headers, text, choices with keys", () => {
    const iface: Interface = {
      ...classification([sentiment]),
      root: view(
        [
          { node: "header", value: "Review of $product", size: 2 },
          view([{ node: "object", name: "text" }], "padding: 4px; background: url(https://evil.example/x.png); color: rgb(1, 2, 3)"),
          { node: "control", name: "sentiment" },
        ],
        "display:flex; flex-direction: column",
      ),
    };
    renderLayout(iface, { text: "Great phone", product: "Phone X" });

    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Review of Phone X");
    expect(screen.getByTestId("task-text").textContent).toBe("Great phone");
    const innerView = screen.getByTestId("task-text").parentElement as HTMLElement;
    expect(innerView.style.padding).toBe("4px");
    expect(innerView.style.color).toBe("rgb(1, 2, 3)");
    expect(innerView.style.background).toBe("");
    expect((innerView.parentElement as HTMLElement).style.flexDirection).toBe("column");

    const buttons = ["Positive", "Negative", "Neutral"].map((value) => screen.getByTestId(`choice-${value}`));
    expect(buttons.map((button) => button.textContent)).toEqual(["Positive1", "Negative2", "Neutral3"]);
    // Document order: header, text, choices.
    const heading = screen.getByRole("heading");
    expect(heading.compareDocumentPosition(screen.getByTestId("task-text")) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("clicking a choice reports the new value", () => {
    const { onChange } = renderLayout(classification([sentiment]), { text: "x" });
    screen.getByTestId("choice-Negative").click();
    expect(onChange).toHaveBeenCalledWith("sentiment", ["Negative"]);
  });

  it("renders multiple choice as checkboxes and inline choices in a row", () => {
    const topics = choicesControl("topics", [option("Price"), option("Battery")], { multiple: true, show_inline: true });
    renderLayout(classification([topics]), { text: "x" }, { topics: ["Battery"] });
    const boxes = screen.getAllByRole("checkbox") as HTMLInputElement[];
    expect(boxes.map((box) => box.checked)).toEqual([false, true]);
    expect(screen.getByRole("group", { name: "topics" }).className).toContain("inline");
  });

  it("shows hostile task text as text, never as HTML, keeping newlines", () => {
    const hostile = '<script>window.__pwned = 1</script>\n<img src=x onerror="window.__pwned = 1">';
    renderLayout(classification([sentiment]), { text: hostile });
    const text = screen.getByTestId("task-text");
    expect(text.textContent).toBe(hostile);
    expect(text.querySelector("script, img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("says honestly when an object or control kind is not available yet", () => {
    const iface: Interface = {
      root: view([
        { node: "object", name: "photo" },
        { node: "control", name: "caption" },
      ]),
      objects: [{ ...textObject("photo", "image"), kind: { kind: "image", zoom: false } }],
      controls: [
        {
          ...sentiment,
          name: "caption",
          kind: { kind: "date_time", only: null },
        },
      ],
    };
    // Every object kind has a renderer in the app now, so the notice is shown by a registry
    // that holds only the text modality (as a build without the image modality would be).
    const textOnly = new Registry();
    registerTextModality(textOnly);
    renderLayout(iface, { image: "a.png" }, undefined, textOnly);
    expect(screen.getByText("<Image> is not available in the desktop app yet")).toBeTruthy();
    expect(screen.getByText("<DateTime> is not available in the desktop app yet")).toBeTruthy();
  });

  it("renders a <Style> node as inert text, without remote loads", () => {
    const iface = classification([sentiment], [
      { node: "style", css: "@import url(https://evil.example/a.css); .x { background: url('https://evil.example/b.png') }" },
    ]);
    renderLayout(iface, { text: "x" });
    const style = document.querySelector("style") as HTMLStyleElement;
    expect(style.textContent).not.toContain("evil.example");
    expect(style.textContent).toContain(".x");
  });
});

describe("substituteFields", () => {
  it("replaces $field with task data as text and leaves unknown fields alone", () => {
    expect(substituteFields("$title by $author ($missing)", { title: "<b>Hi</b>", author: 42 })).toBe(
      "<b>Hi</b> by 42 ($missing)",
    );
  });

  it("renders $field in a Header as text", () => {
    const iface = classification([sentiment], [{ node: "header", value: "From $source", size: null }]);
    renderLayout(iface, { text: "x", source: "<img src=x onerror=alert(1)>" });
    expect(screen.getByRole("heading").textContent).toBe("From <img src=x onerror=alert(1)>");
    expect(document.querySelector("img")).toBeNull();
  });
});

describe("style helpers", () => {
  it("parses declarations into a React style object and drops unsafe ones", () => {
    expect(parseInlineStyle("Font-Size: 12px; -webkit-user-select:none; --gap: 3px; behavior: url(x.htc); width: expression(alert(1)); bad")).toEqual({
      fontSize: "12px",
      WebkitUserSelect: "none",
      "--gap": "3px",
    });
    expect(parseInlineStyle(null)).toEqual({});
  });

  it("removes @import and remote url() from <Style> css", () => {
    expect(sanitiseStyleSheet('@import "x.css"; a { background: url(http://x/y) } b { background: url(data:image/png;base64,AA) }')).toBe(
      " a { background: none } b { background: url(data:image/png;base64,AA) }",
    );
    expect(sanitiseStyleSheet(":host { position: fixed } a { background: u\\72l(http://x) }")).toBe(
      ":not(*) { position: fixed } a { background: u72l(http://x) }",
    );
  });
});
