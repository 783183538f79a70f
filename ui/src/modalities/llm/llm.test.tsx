import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildKeymap, findBinding } from "../../annotation/keymap";
import { Layout } from "../../annotation/Layout";
import { buildResult, initialValues, type ControlValues } from "../../annotation/result";
import type { Interface } from "../../bindings/Interface";
import { createRegistry } from "..";
import { HelpOverlay } from "../../components/HelpOverlay";
import {
  chatData,
  chatInterface,
  dialogueData,
  dialogueInterface,
  humanFeedbackData,
  humanFeedbackInterface,
  llmRankerData,
  llmRankerInterface,
  pairwiseClassificationInterface,
  pdfData,
  pdfInterface,
  ratedResponsesInterface,
} from "./fixtures";

const registry = createRegistry();
let latestValues: ControlValues = {};
/** Keys that reached the window: a focused control must stop the keys it handles. */
const windowKeys: string[] = [];
const onWindowKey = (event: KeyboardEvent) => windowKeys.push(event.key);

beforeEach(() => {
  windowKeys.length = 0;
  window.addEventListener("keydown", onWindowKey);
});
afterEach(() => {
  window.removeEventListener("keydown", onWindowKey);
  cleanup();
});

/** The layout with real state, like the labelling screen holds it. */
function Harness(props: { iface: Interface; data: Record<string, unknown> }) {
  const [values, setValues] = useState<ControlValues>(() => initialValues(props.iface, registry, null, props.data));
  latestValues = values;
  const keymap = buildKeymap(props.iface, registry);
  return (
    <Layout
      iface={props.iface}
      registry={registry}
      data={props.data}
      values={values}
      onChange={(name, value) => setValues((previous) => ({ ...previous, [name]: value }))}
      keyFor={keymap.keyFor}
      missing={new Set()}
    />
  );
}

function renderTask(iface: Interface, data: Record<string, unknown>) {
  render(<Harness iface={iface} data={data} />);
  return { result: () => buildResult(iface, registry, latestValues, () => "id") };
}

describe("Paragraphs", () => {
  it("shows a dialogue as bubbles, speakers on alternating sides, content as text", () => {
    renderTask(dialogueInterface, dialogueData);
    const turns = screen.getByTestId("paragraphs").querySelectorAll(".llm-turn");
    expect(turns).toHaveLength(4);
    expect([...turns].map((turn) => turn.className)).toEqual([
      "llm-turn llm-bubble left",
      "llm-turn llm-bubble right",
      "llm-turn llm-bubble left",
      "llm-turn llm-bubble right",
    ]);
    expect(turns[0]?.textContent).toBe("HumanHi, I'd like to change my flight to Friday.");
    // Hostile markup stays text.
    expect(turns[2]?.textContent).toContain("<script>window.__pwned = 1</script>");
    expect(document.querySelector("script")).toBeNull();
  });

  it("says so when the field is not a list", () => {
    renderTask(dialogueInterface, { humanMachineDialogue: "just a string" });
    expect(screen.getByRole("note").textContent).toContain('needs a list of {"author", "text"} entries');
  });
});

describe("Chat", () => {
  it("renders user and assistant messages distinctly, in order", () => {
    renderTask(chatInterface, chatData);
    const messages = screen.getByTestId("chat").querySelectorAll(".llm-message");
    expect([...messages].map((message) => message.getAttribute("data-role"))).toEqual(["user", "assistant"]);
    expect(messages[0]?.textContent).toBe(`user${chatData.chat[0]?.content}`);
  });

  it("accepts {author, text} messages and shows hostile content as text", () => {
    renderTask(chatInterface, {
      chat: [
        { author: "system", text: "Be brief." },
        { author: "Human", text: '<img src=x onerror="window.__pwned = 1">' },
        { author: "bot", text: [{ type: "text", text: "Hello" }] },
      ],
    });
    const messages = screen.getByTestId("chat").querySelectorAll(".llm-message");
    expect([...messages].map((message) => message.getAttribute("data-role"))).toEqual(["system", "user", "assistant"]);
    expect(messages[1]?.textContent).toBe('Human<img src=x onerror="window.__pwned = 1">');
    expect(document.querySelector("img")).toBeNull();
    expect(messages[2]?.textContent).toBe("botHello");
  });
});

describe("HyperText", () => {
  it("removes the sample's <embed> and says content was removed", () => {
    renderTask(pdfInterface, pdfData);
    expect(screen.getByTestId("hypertext").innerHTML).toBe("");
    expect(screen.getByRole("note").textContent).toContain("1 embedded or active element");
  });

  it("renders sanitised markup; links do not navigate", () => {
    renderTask(pdfInterface, {
      pdf: '<h2>Title</h2><p onclick="window.__pwned=1">Body <a href="javascript:window.__pwned=1">link</a></p><script>window.__pwned=1</script>',
    });
    const html = screen.getByTestId("hypertext");
    expect(html.querySelector("h2")?.textContent).toBe("Title");
    expect(html.innerHTML).not.toMatch(/onclick|javascript:|<script/);
    const link = html.querySelector("a") as HTMLAnchorElement;
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
  });
});

describe("Pairwise", () => {
  it("shows its two objects side by side, once, and selects with ← / → and 1 / 2", () => {
    const { result } = renderTask(humanFeedbackInterface, humanFeedbackData);
    const left = screen.getByTestId("pairwise-left");
    const right = screen.getByTestId("pairwise-right");
    expect(within(left).getByTestId("task-text").textContent).toBe(humanFeedbackData.answer1);
    expect(within(right).getByTestId("task-text").textContent).toBe(humanFeedbackData.answer2);
    // The prompt plus the two answers, each rendered once.
    expect(screen.getAllByTestId("task-text")).toHaveLength(3);
    expect(within(left).getAllByText(/^(←|1)$/).map((key) => key.textContent)).toEqual(["←", "1"]);
    expect(within(right).getAllByText(/^(→|2)$/).map((key) => key.textContent)).toEqual(["→", "2"]);

    const keymap = buildKeymap(humanFeedbackInterface, registry);
    const press = (key: string) => findBinding(keymap, { key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false });
    expect(press("ArrowLeft")?.action).toEqual({ type: "control", control: "comparison", target: "left" });
    expect(press("ArrowRight")?.action).toEqual({ type: "control", control: "comparison", target: "right" });
    expect(press("2")?.action).toEqual({ type: "control", control: "comparison", target: "right-digit" });

    const renderer = registry.control("pairwise");
    const control = humanFeedbackInterface.controls[0];
    if (renderer === undefined || control === undefined) throw new Error("pairwise not registered");
    expect(renderer.onKey(control, null, "right-digit")).toBe("right");
    expect(renderer.onKey(control, "right", "right")).toBeNull();

    fireEvent.click(right);
    expect(right.getAttribute("aria-checked")).toBe("true");
    expect(result()).toEqual([
      { id: "id", from_name: "comparison", to_name: "answer1,answer2", type: "pairwise", value: { selected: "right" } },
    ]);
    fireEvent.keyDown(left, { key: " " });
    expect(result()).toEqual([
      { id: "id", from_name: "comparison", to_name: "answer1,answer2", type: "pairwise", value: { selected: "left" } },
    ]);
  });

  it("restores a saved choice and leaves no empty wrapper views", () => {
    const renderer = registry.control("pairwise");
    const control = pairwiseClassificationInterface.controls[0];
    if (renderer === undefined || control === undefined) throw new Error("pairwise not registered");
    expect(
      renderer.fromResult(control, [{ from_name: "pw", to_name: "text1,text2", type: "pairwise", value: { selected: "left" } }]),
    ).toBe("left");
    renderTask(humanFeedbackInterface, humanFeedbackData);
    expect(document.querySelectorAll(".view:empty")).toHaveLength(0);
  });
});

describe("Ranker", () => {
  const itemIds = llmRankerData.items.map((item) => item.id);

  function itemOrder(column: string): string[] {
    const section = document.querySelector(`section[data-column="${column}"]`) as HTMLElement;
    return [...section.querySelectorAll("[data-rank-item]")].map((element) => element.getAttribute("data-rank-item") ?? "");
  }

  it("lists the items in data order, owns the list, and has no result until something moves", () => {
    const { result } = renderTask(llmRankerInterface(false), llmRankerData);
    expect(itemOrder("answers")).toEqual(itemIds);
    expect(screen.queryByTestId("list")).toBeNull();
    expect(result()).toEqual([]);
  });

  it("reorders with the keyboard and emits the ranker result", () => {
    const { result } = renderTask(llmRankerInterface(false), llmRankerData);
    const first = document.querySelector('[data-rank-item="llama_model"]') as HTMLElement;
    expect(first.tabIndex).toBe(0);
    act(() => first.focus());
    fireEvent.keyDown(first, { key: "ArrowDown", altKey: true });
    expect(itemOrder("answers")).toEqual(["cobra_ai", "llama_model", "opossum_logic", "puma_intelligence"]);
    expect(document.activeElement?.getAttribute("data-rank-item")).toBe("llama_model");
    fireEvent.keyDown(document.activeElement as HTMLElement, { key: "ArrowDown", shiftKey: true });
    // Plain ↓ moves focus only.
    fireEvent.keyDown(document.activeElement as HTMLElement, { key: "ArrowDown" });
    expect(document.activeElement?.getAttribute("data-rank-item")).toBe("puma_intelligence");
    fireEvent.keyDown(document.activeElement as HTMLElement, { key: "ArrowUp", altKey: true });
    expect(result()).toEqual([
      {
        id: "id",
        from_name: "rank",
        to_name: "answers",
        type: "ranker",
        value: { ranker: { answers: ["cobra_ai", "opossum_logic", "puma_intelligence", "llama_model"] } },
      },
    ]);
    expect(windowKeys).toEqual([]);
  });

  it("moves items between buckets with Alt+← / Alt+→", () => {
    const { result } = renderTask(llmRankerInterface(true), llmRankerData);
    const cobra = document.querySelector('[data-rank-item="cobra_ai"]') as HTMLElement;
    act(() => cobra.focus());
    fireEvent.keyDown(cobra, { key: "ArrowRight", altKey: true });
    fireEvent.keyDown(document.activeElement as HTMLElement, { key: "ArrowRight", altKey: true });
    const llama = document.querySelector('[data-rank-item="llama_model"]') as HTMLElement;
    act(() => llama.focus());
    fireEvent.keyDown(llama, { key: "ArrowRight", altKey: true });
    expect(itemOrder("relevant_results")).toEqual(["llama_model"]);
    expect(itemOrder("biased_results")).toEqual(["cobra_ai"]);
    expect(result()[0]).toEqual({
      id: "id",
      from_name: "rank",
      to_name: "answers",
      type: "ranker",
      value: { ranker: { answers: ["opossum_logic", "puma_intelligence"], relevant_results: ["llama_model"], biased_results: ["cobra_ai"] } },
    });
    expect(windowKeys).toEqual([]);
  });

  it("shows item text as text and restores a saved ranking, ignoring unknown ids", () => {
    const renderer = registry.control("ranker");
    const iface = llmRankerInterface(false);
    const control = iface.controls[0];
    if (renderer === undefined || control === undefined) throw new Error("ranker not registered");
    const saved = renderer.fromResult(control, [
      { from_name: "rank", to_name: "answers", type: "ranker", value: { ranker: { answers: ["gone", "puma_intelligence"] } } },
    ]);
    render(
      <Layout
        iface={iface}
        registry={registry}
        data={{ ...llmRankerData, items: [...llmRankerData.items, { id: 7, title: "<b>bold</b>", body: "<img src=x onerror=alert(1)>" }] }}
        values={{ rank: saved }}
        onChange={vi.fn()}
        keyFor={() => null}
        missing={new Set()}
      />,
    );
    expect(itemOrder("answers")).toEqual(["puma_intelligence", ...itemIds.filter((id) => id !== "puma_intelligence"), "7"]);
    expect(document.querySelector('[data-rank-item="7"]')?.textContent).toBe("5<b>bold</b><img src=x onerror=alert(1)>");
    expect(document.querySelector("img, b")).toBeNull();
  });
});

describe("Rating next to each response", () => {
  it("renders one rating per response with its own keys, and lists them in the ? overlay", () => {
    const { result } = renderTask(ratedResponsesInterface, { prompt: "Q", answer1: "A1", answer2: "A2" });
    const keymap = buildKeymap(ratedResponsesInterface, registry);
    const keysOf = (control: string) => [1, 2, 3, 4, 5].map((star) => keymap.keyFor(control, String(star)));
    const allKeys = [...keysOf("rating1"), ...keysOf("rating2")];
    expect(allKeys.every((key) => key !== null)).toBe(true);
    expect(new Set(allKeys).size).toBe(allKeys.length);
    fireEvent.click(within(screen.getByTestId("rating-rating1")).getByLabelText("4 stars"));
    expect(result()).toEqual([
      { id: "id", from_name: "rating1", to_name: "answer1", type: "rating", value: { rating: 4 } },
    ]);
    cleanup();
    render(<HelpOverlay keymap={keymap} onClose={vi.fn()} />);
    expect(screen.getByTestId("help-overlay").textContent).toContain("rating2");
  });
});
