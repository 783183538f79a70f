import { describe, expect, it } from "vitest";
import type { ResultItem } from "../bindings/ResultItem";
import { createRegistry } from "../modalities";
import { choicesControl, classification, option, sentiment } from "../test/fixtures";
import { buildResult, initialValues, missingRequired, newResultId } from "./result";

const registry = createRegistry();
const fixedId = () => "abc123XYZ_";

describe("buildResult", () => {
  it("builds Label Studio's choices result for a single choice", () => {
    const result = buildResult(classification([sentiment]), registry, { sentiment: ["Negative"] }, fixedId);
    expect(JSON.parse(JSON.stringify(result))).toEqual([
      {
        id: "abc123XYZ_",
        from_name: "sentiment",
        to_name: "text",
        type: "choices",
        value: { choices: ["Negative"] },
      },
    ]);
  });

  it("stores aliases, in option order, for multiple choice; empty controls add nothing", () => {
    const topics = choicesControl(
      "topics",
      [option("Price", { alias: "price" }), option("Battery"), option("Screen")],
      { multiple: true },
    );
    const iface = classification([sentiment, topics]);
    const renderer = registry.control("choices");
    if (renderer === undefined) throw new Error("choices not registered");
    let value = renderer.initialValue(topics);
    value = renderer.onKey(topics, value, "Screen");
    value = renderer.onKey(topics, value, "price");
    const result = buildResult(iface, registry, { sentiment: [], topics: value }, fixedId);
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ from_name: "topics", type: "choices", value: { choices: ["price", "Screen"] } });
  });

  it("toggles single choice: a second key replaces, the same key clears", () => {
    const renderer = registry.control("choices");
    if (renderer === undefined) throw new Error("choices not registered");
    let value = renderer.onKey(sentiment, [], "Positive");
    value = renderer.onKey(sentiment, value, "Neutral");
    expect(value).toEqual(["Neutral"]);
    expect(renderer.onKey(sentiment, value, "Neutral")).toEqual([]);
  });

  it("makes short random ids", () => {
    const ids = new Set(Array.from({ length: 50 }, newResultId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{10}$/);
  });
});

describe("missingRequired", () => {
  it("names the required controls that are empty", () => {
    const optionalTopics = choicesControl("topics", [option("Price")], { multiple: true });
    const iface = classification([sentiment, optionalTopics]);
    expect(missingRequired(iface, registry, { sentiment: [], topics: [] }).map((control) => control.name)).toEqual([
      "sentiment",
    ]);
    expect(missingRequired(iface, registry, { sentiment: ["Positive"], topics: [] })).toEqual([]);
  });
});

describe("initialValues", () => {
  it("restores a saved result (going back to an annotated task)", () => {
    const saved: ResultItem[] = [
      { id: "r1", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["Neutral"] } },
      { from_id: "a", to_id: "b", type: "relation", direction: "right", labels: [] },
    ];
    expect(initialValues(classification([sentiment]), registry, saved)).toEqual({ sentiment: ["Neutral"] });
    expect(initialValues(classification([sentiment]), registry, null)).toEqual({ sentiment: [] });
  });
});
