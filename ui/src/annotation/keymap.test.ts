import { describe, expect, it } from "vitest";
import { createRegistry } from "../modalities";
import { choicesControl, classification, option, sentiment } from "../test/fixtures";
import { buildKeymap, findBinding, parseCombo, type KeyPress } from "./keymap";

const registry = createRegistry();

function press(key: string, modifiers: Partial<KeyPress> = {}): KeyPress {
  return { key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...modifiers };
}

describe("buildKeymap", () => {
  it("gives options 1-9 in screen order across controls", () => {
    const topics = choicesControl("topics", [option("Price"), option("Battery")], { multiple: true });
    const keymap = buildKeymap(classification([sentiment, topics]), registry);
    expect(keymap.keyFor("sentiment", "Positive")).toBe("1");
    expect(keymap.keyFor("sentiment", "Neutral")).toBe("3");
    expect(keymap.keyFor("topics", "Price")).toBe("4");
    expect(keymap.keyFor("topics", "Battery")).toBe("5");
    expect(findBinding(keymap, press("5"))?.action).toEqual({ type: "control", control: "topics", target: "Battery" });
  });

  it("goes on after 9 with 0, then letters the app does not use, then leaves options without a key", () => {
    const many = choicesControl("many", Array.from({ length: 40 }, (_, index) => option(`o${index}`)));
    const keymap = buildKeymap(classification([many]), registry);
    expect(keymap.keyFor("many", "o8")).toBe("9");
    expect(keymap.keyFor("many", "o9")).toBe("0");
    expect(keymap.keyFor("many", "o10")).toBe("q");
    expect(keymap.keyFor("many", "o12")).toBe("e");
    const letters = Array.from({ length: 40 }, (_, index) => keymap.keyFor("many", `o${index}`));
    expect(letters).not.toContain("g");
    expect(letters).not.toContain("r");
    expect(letters).not.toContain("d");
    expect(keymap.keyFor("many", "o39")).toBeNull();
  });

  it("uses config hotkeys, keys results by alias, and skips digits they take", () => {
    const control = choicesControl("sentiment", [
      option("Positive", { hotkey: "2", alias: "pos" }),
      option("Negative", { hotkey: "ctrl+n" }),
      option("Neutral"),
    ]);
    const keymap = buildKeymap(classification([control]), registry);
    expect(keymap.keyFor("sentiment", "pos")).toBe("2");
    expect(keymap.keyFor("sentiment", "Negative")).toBe("Ctrl+n");
    expect(keymap.keyFor("sentiment", "Neutral")).toBe("1");
    expect(findBinding(keymap, press("n", { ctrlKey: true }))?.action).toEqual({
      type: "control",
      control: "sentiment",
      target: "Negative",
    });
    expect(findBinding(keymap, press("n"))).toBeUndefined();
  });

  it("binds Enter, Ctrl+Space, Backspace, Escape, F1, ? and g to the app", () => {
    const keymap = buildKeymap(classification([sentiment]), registry);
    const appAction = (keyPress: KeyPress) => {
      const action = findBinding(keymap, keyPress)?.action;
      return action?.type === "app" ? action.action : undefined;
    };
    expect(appAction(press("Enter"))).toBe("submit");
    expect(appAction(press(" ", { ctrlKey: true }))).toBe("skip");
    expect(appAction(press(" "))).toBeUndefined();
    expect(appAction(press("Backspace"))).toBe("back");
    expect(appAction(press("Escape"))).toBe("close");
    expect(appAction(press("F1"))).toBe("guidelines");
    expect(appAction(press("?", { shiftKey: true }))).toBe("help");
    expect(appAction(press("g"))).toBe("guidelines");
  });

  it("lets a config hotkey take g (F1 still opens the guidelines) but never Enter", () => {
    const control = choicesControl("sentiment", [
      option("Good", { hotkey: "g" }),
      option("Bad", { hotkey: "enter" }),
    ]);
    const keymap = buildKeymap(classification([control]), registry);
    expect(findBinding(keymap, press("g"))?.action).toEqual({ type: "control", control: "sentiment", target: "Good" });
    expect(findBinding(keymap, press("F1"))?.action).toEqual({ type: "app", action: "guidelines" });
    expect(findBinding(keymap, press("Enter"))?.action).toEqual({ type: "app", action: "submit" });
    expect(keymap.keyFor("sentiment", "Bad")).toBe("1");
    expect(keymap.conflicts).toHaveLength(1);
    expect(keymap.conflicts[0]).toContain("Enter");
    // The overlay lists exactly what the handler does: no "g" for the guidelines any more.
    const guidelineKeys = keymap.bindings
      .filter((binding) => binding.action.type === "app" && binding.action.action === "guidelines")
      .map((binding) => binding.display);
    expect(guidelineKeys).toEqual(["F1"]);
  });
});

describe("parseCombo", () => {
  it("reads Label Studio hotkey syntax", () => {
    expect(parseCombo("shift+A")).toEqual({ key: "a", ctrl: false, alt: false, shift: true });
    expect(parseCombo("ctrl+space")).toEqual({ key: "space", ctrl: true, alt: false, shift: false });
    expect(parseCombo("+")).toEqual({ key: "+", ctrl: false, alt: false, shift: false });
    expect(parseCombo("ctrl+")).toBeNull();
    expect(parseCombo("a+b")).toBeNull();
  });
});
