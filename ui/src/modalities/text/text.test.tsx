import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { useState } from "react";
import type { ControlTag } from "../../bindings/ControlTag";
import type { Interface } from "../../bindings/Interface";
import type { LabelOption } from "../../bindings/LabelOption";
import type { ResultItem } from "../../bindings/ResultItem";
import {
  addRelation,
  cycleDirection,
  deleteRegion,
  pressKey,
  redo,
  selectRegion,
  setInteraction,
  startEditor,
  startRelation,
  undo,
  type EditorState,
} from "../../annotation/editor";
import { buildKeymap } from "../../annotation/keymap";
import { Layout } from "../../annotation/Layout";
import { buildResult, initialValues, type ControlValues } from "../../annotation/result";
import { createRegistry } from "..";
import { option, textObject, view } from "../../test/fixtures";
import { blockBoundaries, buildSegments } from "./segments";
import { textAreaRenderer } from "./TextAreaControl";
import type { LabelsState } from "./spans";

afterEach(cleanup);

const registry = createRegistry();
const position = { line: 1, column: 1 };
const pySlice = (text: string, start: number, end: number) => Array.from(text).slice(start, end).join("");

function label(value: string, extra: Partial<LabelOption> = {}): LabelOption {
  return { value, alias: null, hotkey: null, background: null, max_usages: null, ...extra };
}

function control(name: string, kind: ControlTag["kind"], extra: Partial<ControlTag> = {}): ControlTag {
  return { name, to_name: ["text"], required: false, per_region: false, kind, position, ...extra };
}

const labels = control("label", {
  kind: "labels",
  multiple: false,
  labels: [label("PER"), label("ORG"), label("LOC", { max_usages: 1 })],
});
const relations = control("rel", { kind: "relations", labels: ["works_at"] }, { to_name: [] });

function ner(extra: ControlTag[] = [], granularity: "symbol" | "word" = "symbol"): Interface {
  const controls = [labels, relations, ...extra];
  return {
    root: view([
      { node: "control", name: "label" },
      { node: "object", name: "text" },
      ...controls.slice(1).map((tag) => ({ node: "control" as const, name: tag.name })),
    ]),
    objects: [{ ...textObject(), kind: { kind: "text", granularity } }],
    controls,
  };
}

/** A stateful harness: Layout in stand-alone mode with values kept like the session keeps them. */
function renderTask(iface: Interface, text: string, start?: ControlValues) {
  let values = start ?? initialValues(iface, registry, null);
  const keymap = buildKeymap(iface, registry);
  const utils = render(<div />);
  const rerender = () =>
    utils.rerender(
      <Layout
        iface={iface}
        registry={registry}
        data={{ text }}
        values={values}
        onChange={(name, value) => {
          values = { ...values, [name]: value };
          rerender();
        }}
        keyFor={keymap.keyFor}
        missing={new Set()}
      />,
    );
  rerender();
  return { values: () => values, result: () => buildResult(iface, registry, values, () => "fixed") };
}

/** Selects UTF-16 [start, end) of the rendered text with a DOM Range, as a mouse drag would. */
function selectText(start: number, end: number) {
  const root = screen.getByTestId("task-text");
  const segments = Array.from(root.querySelectorAll<HTMLElement>("[data-start]"));
  const at = (offset: number): [Node, number] => {
    const segment = segments.filter((candidate) => Number(candidate.dataset.start) <= offset).at(-1) as HTMLElement;
    return [segment.firstChild as Node, offset - Number(segment.dataset.start)];
  };
  const range = document.createRange();
  range.setStart(...at(start));
  range.setEnd(...at(end));
  const selection = document.getSelection() as Selection;
  selection.removeAllRanges();
  selection.addRange(range);
  fireEvent.mouseUp(root);
}

function spanItems(result: ResultItem[]) {
  return result.flatMap((item) => ("from_name" in item && item.type === "labels" ? [item] : []));
}

describe("span labelling", () => {
  const text = "🎉👩‍💻 Ada met Bob\r\nin Paris.";

  it("turns a DOM selection after emoji and CRLF into code point offsets (Python slicing)", () => {
    const task = renderTask(ner(), text);
    for (const [entity, labelName] of [["Ada", "PER"], ["Paris", "LOC"]] as const) {
      const utf16Start = text.indexOf(entity);
      selectText(utf16Start, utf16Start + entity.length);
      fireEvent.click(screen.getByTestId(`label-${labelName}`));
    }
    const items = spanItems(task.result());
    expect(items.map((item) => item.value.labels)).toEqual([["PER"], ["LOC"]]);
    for (const item of items) {
      const { start, end, text: spanText } = item.value;
      expect(pySlice(text, start ?? -1, end ?? -1)).toBe(spanText);
      expect(item.to_name).toBe("text");
    }
    // "🎉👩‍💻 " is 1 + 3 (👩 ZWJ 💻) + 1 = 5 code points, 8 UTF-16 units, before "Ada".
    expect(text.indexOf("Ada")).toBe(8);
    expect(items[0]?.value.start).toBe(5);
    // The CRLF counts as two code points.
    expect(items[1]?.value.start).toBe(Array.from(text).indexOf("P"));
    expect(screen.getByTestId("task-text").textContent).toBe(text);
  });

  it("labels with the label picked first, and snaps to words with granularity=word", () => {
    const task = renderTask(ner([], "word"), "The quick brown fox");
    fireEvent.click(screen.getByTestId("label-ORG"));
    expect(screen.getByTestId("notice").textContent).toContain("select text");
    selectText(6, 12); // "ick br"
    expect(spanItems(task.result()).map((item) => item.value.text)).toEqual(["quick brown"]);
  });

  it("renders overlapping spans as nested segments and lists them in the side panel", () => {
    const spans: LabelsState = [
      { id: "outer", start: 0, end: 9, text: "Ada Lovel", labels: ["PER"] },
      { id: "inner", start: 4, end: 13, text: "Lovelace ", labels: ["ORG"] },
    ];
    renderTask(ner(), "Ada Lovelace works", { label: spans, rel: [] });
    const segments = Array.from(screen.getByTestId("task-text").querySelectorAll<HTMLElement>("[data-start]"));
    expect(segments.map((segment) => [segment.textContent, segment.dataset.regions ?? ""])).toEqual([
      ["Ada ", "outer"],
      ["Lovel", "outer inner"],
      ["ace ", "inner"],
      ["works", ""],
    ]);
    expect(segments[1]?.style.boxShadow.split("inset").length).toBe(3); // two bands
    // A click selects the innermost span; clicking again selects the one around it.
    fireEvent.click(segments[1] as HTMLElement);
    expect(segments[1]?.className).toContain("selected");
  });

  it("selects with Shift+arrows from a caret when the text has focus", () => {
    const task = renderTask(ner(), "😀 Bob ran");
    const root = screen.getByTestId("task-text");
    root.focus();
    for (let press = 0; press < 2; press += 1) fireEvent.keyDown(root, { key: "ArrowRight" }); // past "😀 "
    for (let press = 0; press < 3; press += 1) fireEvent.keyDown(root, { key: "ArrowRight", shiftKey: true });
    fireEvent.click(screen.getByTestId("label-PER"));
    expect(spanItems(task.result()).map((item) => [item.value.start, item.value.end, item.value.text])).toEqual([[2, 5, "Bob"]]);
  });

  it("enforces maxUsages with a visible message", () => {
    const task = renderTask(ner(), "Paris and Lyon");
    selectText(0, 5);
    fireEvent.click(screen.getByTestId("label-LOC"));
    selectText(10, 14);
    fireEvent.click(screen.getByTestId("label-LOC"));
    expect(spanItems(task.result())).toHaveLength(1);
    expect(screen.getByTestId("notice").textContent).toBe('"LOC" can be used at most 1 time in a task.');
  });
});

function editorWithSpans(iface: Interface): EditorState {
  const spans: LabelsState = [
    { id: "a", start: 0, end: 3, text: "Ada", labels: ["PER"] },
    { id: "b", start: 13, end: 18, text: "Paris", labels: ["LOC"] },
  ];
  return startEditor({ ...initialValues(iface, registry, null), label: spans });
}

describe("relations, per-region controls, undo", () => {
  it("creates a relation with the relate key and a click, turns it, labels it, deletes with the region", () => {
    const iface = ner();
    let state = startRelation(editorWithSpans(iface), iface, registry);
    expect(state.interaction.notice).toContain("Select a region first");
    state = startRelation(selectRegion(state, "a"), iface, registry);
    expect(state.interaction.relatingFrom).toBe("a");
    state = addRelation(state, iface, "a", "b");
    state = cycleDirection(state, iface);
    state = pressKey(state, iface, registry, "rel", "works_at");
    expect(buildResult(iface, registry, state.values).filter((item) => "from_id" in item)).toEqual([
      { from_id: "a", to_id: "b", type: "relation", direction: "left", labels: ["works_at"] },
    ]);
    state = deleteRegion(state, iface, registry, "b");
    expect(buildResult(iface, registry, state.values).some((item) => "from_id" in item)).toBe(false);
  });

  it("saves per-region Choices and TextArea as items sharing the region's id, and restores them", () => {
    const perRegionChoices = control(
      "kind",
      { kind: "choices", multiple: false, show_inline: true, options: [option("Real"), option("Fictional")], dynamic_options_field: null },
      { per_region: true },
    );
    const note = control(
      "note",
      { kind: "text_area", placeholder: "Why?", rows: 2, max_submissions: null, editable: true, shortcuts: [] },
      { per_region: true },
    );
    const iface = ner([perRegionChoices, note]);
    let state = editorWithSpans(iface);
    state = pressKey(state, iface, registry, "kind", "Real");
    expect(state.interaction.notice).toContain("Select a region first");
    state = pressKey(selectRegion(state, "a"), iface, registry, "kind", "Fictional");
    state = { ...state, values: { ...state.values, note: { byRegion: { a: "first\nsecond" } } } };
    const result = buildResult(iface, registry, state.values);
    const forA = result.filter((item) => "id" in item && item.id === "a");
    expect(forA.map((item) => ("from_name" in item ? [item.type, item.value] : null))).toEqual([
      ["labels", { start: 0, end: 3, text: "Ada", labels: ["PER"] }],
      ["choices", { choices: ["Fictional"] }],
      ["textarea", { text: ["first\nsecond"] }],
    ]);
    const restored = initialValues(iface, registry, result);
    expect(restored.kind).toEqual({ byRegion: { a: ["Fictional"] } });
    expect(restored.note).toEqual({ byRegion: { a: "first\nsecond" } });
    // Deleting the region drops its per-region values too.
    const deleted = deleteRegion(state, iface, registry, "a");
    expect(buildResult(iface, registry, deleted.values).filter((item) => "id" in item && item.id === "a")).toEqual([]);
  });

  it("undoes and redoes labelling, relabelling and deleting", () => {
    const iface = ner();
    let state = editorWithSpans(iface);
    state = setInteraction(state, { pending: { object: "text", start: 4, end: 7, text: "met" } });
    state = pressKey(state, iface, registry, "label", "ORG");
    state = pressKey(selectRegion(state, "a"), iface, registry, "label", "ORG"); // relabel
    state = deleteRegion(state, iface, registry, "b");
    const labelsOf = (editor: EditorState) =>
      (editor.values.label as LabelsState).map((span) => `${span.text}:${span.labels.join()}`);
    expect(labelsOf(state)).toEqual(["Ada:ORG", "met:ORG"]);
    state = undo(state, iface, registry);
    expect(labelsOf(state)).toEqual(["Ada:ORG", "Paris:LOC", "met:ORG"]);
    state = undo(state, iface, registry);
    expect(labelsOf(state)).toEqual(["Ada:PER", "Paris:LOC", "met:ORG"]);
    state = undo(undo(state, iface, registry), iface, registry);
    expect(state.interaction.notice).toBe("Nothing to undo.");
    state = redo(redo(redo(state, iface, registry), iface, registry), iface, registry);
    expect(labelsOf(state)).toEqual(["Ada:ORG", "met:ORG"]);
  });
});

describe("keymap with regions", () => {
  it("binds label keys after choices, Delete, undo/redo and r/d, and reports config hotkeys it cannot use", () => {
    const clashing = control("label", {
      kind: "labels",
      multiple: false,
      labels: [label("PER", { hotkey: "r" }), label("ORG", { hotkey: "delete" }), label("LOC", { hotkey: "ctrl+z" })],
    });
    const iface = { ...ner(), controls: [clashing, relations] };
    const keymap = buildKeymap(iface, registry);
    expect(keymap.keyFor("label", "PER")).toBe("r");
    expect(keymap.keyFor("label", "ORG")).toBe("1");
    expect(keymap.keyFor("label", "LOC")).toBe("2");
    expect(keymap.keyFor("rel", "works_at")).toBe("3");
    expect(keymap.conflicts.join("\n")).toMatch(/Delete .*already used/);
    expect(keymap.conflicts.join("\n")).toMatch(/Ctrl\+z .*already used/);
    const appKeys = keymap.bindings.flatMap((binding) => (binding.action.type === "app" ? [`${binding.display}=${binding.action.action}`] : []));
    expect(appKeys).toEqual(expect.arrayContaining(["Delete=delete", "Ctrl+z=undo", "Ctrl+Shift+z=redo", "Ctrl+y=redo", "d=direction"]));
    expect(appKeys).not.toContain("r=relate"); // the config's hotkey wins over the yielding app key
  });
});

describe("text blocks", () => {
  /** The rendered block elements and their text. */
  const blockTexts = () =>
    Array.from(screen.getByTestId("task-text").querySelectorAll<HTMLElement>(".text-block")).map((block) => block.textContent ?? "");

  it("cuts only right after a line end, never inside CRLF, and never inside a paragraph", () => {
    // A paragraph with no line end stays one block, however long: a cut would show a line break.
    expect(blockBoundaries("word ".repeat(1000))).toEqual([]);
    expect(blockBoundaries("😀".repeat(3000))).toEqual([]);
    const lines = "x".repeat(700) + "\r\n" + "y".repeat(700) + "\r\n" + "z".repeat(1500);
    expect(blockBoundaries(lines)).toEqual([1404]);
    // No line end within the window: the first one after it.
    expect(blockBoundaries("a ".repeat(1000) + "\r\nnext " + "b".repeat(10))).toEqual([2002]);
    const paragraphs = ("p".repeat(300) + "\n").repeat(20);
    for (const cut of blockBoundaries(paragraphs)) {
      expect(paragraphs[cut - 1]).toBe("\n");
    }
    expect(blockBoundaries(paragraphs).length).toBeGreaterThan(2);
    expect(blockBoundaries("short\ntext")).toEqual([]);
  });

  it("selects and renders a span across a block boundary (code points, highlight in both blocks)", () => {
    const text = "😀 " + "word ".repeat(300) + "\n" + "word ".repeat(300);
    const [cut] = blockBoundaries(text);
    expect(cut).toBeDefined();
    const boundary = cut as number;
    const task = renderTask(ner(), text);
    const blocks = blockTexts();
    expect(blocks.length).toBe(2);
    expect(blocks.join("")).toBe(text);
    expect(screen.getByTestId("task-text").textContent).toBe(text);
    // "word \nword": the last word of block A (with its line end) and the first of block B.
    selectText(boundary - 6, boundary + 4);
    fireEvent.click(screen.getByTestId("label-PER"));
    const [item] = spanItems(task.result());
    const { start, end, text: spanText } = item?.value ?? {};
    expect(spanText).toBe("word \nword");
    // The emoji before is one code point and two UTF-16 units.
    expect(start).toBe(boundary - 6 - 1);
    expect(end).toBe(boundary + 4 - 1);
    expect(pySlice(text, start ?? -1, end ?? -1)).toBe("word \nword");
    const id = (item as { id: string }).id;
    const parts = Array.from(screen.getByTestId("task-text").querySelectorAll<HTMLElement>(".span")).filter((element) =>
      (element.dataset.regions ?? "").split(" ").includes(id),
    );
    expect(parts.map((element) => element.textContent)).toEqual(["word \n", "word"]);
    expect(new Set(parts.map((element) => element.closest(".text-block"))).size).toBe(2);
    // The label tag shows once, where the span begins.
    expect(parts.map((element) => element.dataset.label ?? null)).toEqual(["PER", null]);
  });

  it("keeps a CRLF at a block boundary in one block, two code points", () => {
    const first = "Ada met Bob. ".repeat(110) + "Paris"; // 1,435 characters
    const text = first + "\r\n" + "London and " + "more words ".repeat(100);
    const crlf = first.length;
    expect(blockBoundaries(text)).toEqual([crlf + 2]);
    const task = renderTask(ner(), text);
    const blocks = blockTexts();
    expect(blocks).toEqual([first + "\r\n", text.slice(crlf + 2)]);
    // "Paris\r\nLondon", from block A into block B.
    selectText(crlf - 5, crlf + 2 + 6);
    fireEvent.click(screen.getByTestId("label-ORG"));
    const [item] = spanItems(task.result());
    expect(item?.value.text).toBe("Paris\r\nLondon");
    expect(item?.value.start).toBe(crlf - 5);
    expect((item?.value.end ?? 0) - (item?.value.start ?? 0)).toBe(13);
  });
});

describe("long documents", () => {
  it("renders 50,000 characters with 2,000 spans as segments (prints the time)", () => {
    const word = "lorem ipsum dolor sit amet, consectetur 😀 adipiscing elit. ";
    let text = "";
    while (text.length < 50_000) text += word;
    text = text.slice(0, 50_000);
    const n = Array.from(text).length;
    const spans: LabelsState = Array.from({ length: 2000 }, (_, spanIdx) => {
      const start = Math.floor((spanIdx * (n - 40)) / 2000);
      const end = start + 5 + (spanIdx % 30); // some overlap with the next span
      return { id: `s${spanIdx}`, start, end, text: pySlice(text, start, end), labels: [["PER", "ORG", "LOC"][spanIdx % 3] as string] };
    });
    const started = performance.now();
    const segments = buildSegments(text.length, spans.map((span) => ({ id: span.id, start: span.start, end: span.end, color: "#000", label: "" })));
    const segmentMs = performance.now() - started;
    const renderStarted = performance.now();
    act(() => {
      renderTask(ner(), text, { label: spans, rel: [] });
    });
    const renderMs = performance.now() - renderStarted;
    const rendered = screen.getByTestId("task-text").querySelectorAll("[data-start]").length;
    console.log(`50k chars / 2,000 spans: ${segments.length} segments in ${segmentMs.toFixed(1)} ms, rendered (${rendered} elements) in ${renderMs.toFixed(0)} ms`);
    expect(rendered).toBeLessThan(5000);
    expect(renderMs).toBeLessThan(20_000); // generous: jsdom on a loaded machine
  });

  it("renders a 5 MB hostile text as plain text, with a span at its far end (prints the time)", () => {
    const chunk = "<script>window.__pwned = 1</script><img src=x onerror=alert(1)> 東京 😀 e\u0301tat\r\n";
    const text = chunk.repeat(Math.ceil(5_000_000 / chunk.length)) + "Ada Lovelace";
    const n = Array.from(text).length;
    const spans: LabelsState = [{ id: "far", start: n - 12, end: n, text: "Ada Lovelace", labels: ["PER"] }];
    const started = performance.now();
    act(() => {
      renderTask(ner(), text, { label: spans, rel: [] });
    });
    const renderMs = performance.now() - started;
    const shown = screen.getByTestId("task-text");
    console.log(`5 MB text with one span rendered in ${renderMs.toFixed(0)} ms`);
    expect(shown.textContent?.length).toBeGreaterThan(5_000_000);
    expect(shown.querySelector("script, img")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    // One segment per ~2,000-character block (text blocks), plus the span's.
    expect(shown.querySelectorAll("[data-start]").length).toBeLessThan(text.length / 1000 + 10);
  });
});

describe("TextArea", () => {
  it("stays editable after the first character whatever `editable` says", () => {
    const TextArea = textAreaRenderer.Component;
    const kind: ControlTag["kind"] = { kind: "text_area", placeholder: null, rows: 2, max_submissions: null, editable: false, shortcuts: [] };
    const seen: string[] = [];
    function Harness() {
      const [value, setValue] = useState("");
      return (
        <TextArea
          control={control("answer", kind)}
          value={value}
          onChange={(next) => {
            seen.push(next);
            setValue(next);
          }}
          keyFor={() => null}
          missing={false}
        />
      );
    }
    render(<Harness />);
    const box = screen.getByTestId("textarea-answer") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "a" } });
    expect(box.readOnly).toBe(false);
    fireEvent.change(box, { target: { value: "ab" } });
    expect(box.value).toBe("ab");
    expect(seen).toEqual(["a", "ab"]);
  });
});
