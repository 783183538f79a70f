// Label colours per (control, label): distinct across the controls of one config while the
// palette lasts, `background` honoured and taking no palette slot, aliases saved as values.
import { describe, expect, it } from "vitest";
import type { ControlTag } from "../bindings/ControlTag";
import type { LabelOption } from "../bindings/LabelOption";
import { assignLabelColors, LABEL_PALETTE, labelColor, labelOptions, labelValue } from "./labels";

function label(value: string, extra: Partial<LabelOption> = {}): LabelOption {
  return { value, alias: null, hotkey: null, background: null, max_usages: null, ...extra };
}

function control(name: string, kind: ControlTag["kind"], toName = "image"): ControlTag {
  return { name, to_name: [toName], required: false, per_region: false, kind, position: { line: 1, column: 1 } };
}

describe("label colours", () => {
  it("gives the labels of two controls on one image different colours", () => {
    const boxes = control("box", { kind: "rectangle_labels", labels: [label("Car"), label("Tree")] });
    const outlines = control("outline", { kind: "polygon_labels", labels: [label("Road"), label("Field")] });
    assignLabelColors([boxes, outlines]);
    const colours = [labelColor(boxes, "Car"), labelColor(boxes, "Tree"), labelColor(outlines, "Road"), labelColor(outlines, "Field")];
    expect(new Set(colours).size).toBe(4);
    expect(colours).toEqual(LABEL_PALETTE.slice(0, 4));
  });

  it("does the same for Labels on a text and Labels on an audio, skipping controls without labels", () => {
    const ner = control("ner", { kind: "labels", multiple: false, labels: [label("Person"), label("Place")] }, "text");
    const mood = control("mood", { kind: "choices", multiple: false, show_inline: false, options: [], dynamic_options_field: null }, "text");
    const speakers = control("speaker", { kind: "labels", multiple: false, labels: [label("Alice"), label("Bob")] }, "audio");
    const relations = control("rel", { kind: "relations", labels: ["knows"] }, "text");
    assignLabelColors([ner, mood, speakers, relations]);
    expect(labelOptions(relations)).toEqual([]);
    expect(labelColor(speakers, "Alice")).toBe(LABEL_PALETTE[2]);
    expect(labelColor(speakers, "Bob")).toBe(LABEL_PALETTE[3]);
    expect(labelColor(ner, "Person")).toBe(LABEL_PALETTE[0]);
  });

  it("honours background, and such a label takes no palette slot", () => {
    const boxes = control("box", { kind: "rectangle_labels", labels: [label("Car", { background: "#00ff00" }), label("Tree")] });
    const points = control("point", { kind: "key_point_labels", labels: [label("Eye"), label("Nose", { background: "red" })] });
    assignLabelColors([boxes, points]);
    expect(labelColor(boxes, "Car")).toBe("#00ff00");
    expect(labelColor(boxes, "Tree")).toBe(LABEL_PALETTE[0]);
    expect(labelColor(points, "Eye")).toBe(LABEL_PALETTE[1]);
    expect(labelColor(points, "Nose")).toBe("red");
  });

  it("finds a label by its alias (the saved value) and wraps past the palette", () => {
    const many = control("many", { kind: "labels", multiple: true, labels: LABEL_PALETTE.map((_, idx) => label(`L${idx}`)).concat([label("Extra", { alias: "x" })]) });
    assignLabelColors([many]);
    expect(labelValue(label("Extra", { alias: "x" }))).toBe("x");
    expect(labelColor(many, "x")).toBe(LABEL_PALETTE[0]);
    expect(labelColor(many, `L${LABEL_PALETTE.length - 1}`)).toBe(LABEL_PALETTE[LABEL_PALETTE.length - 1]);
  });

  it("a control never dealt (outside a task card) starts at the palette's first colour", () => {
    const lonely = control("lonely", { kind: "polygon_labels", labels: [label("A"), label("B")] });
    expect(labelColor(lonely, "B")).toBe(LABEL_PALETTE[1]);
  });

  it("a second interface is dealt afresh, a dealt one is left alone", () => {
    const first = control("a", { kind: "labels", multiple: false, labels: [label("X")] });
    const second = control("b", { kind: "labels", multiple: false, labels: [label("Y")] });
    assignLabelColors([first, second]);
    assignLabelColors([first, second]);
    expect(labelColor(second, "Y")).toBe(LABEL_PALETTE[1]);
    const reloadedSecond = { ...second };
    assignLabelColors([reloadedSecond]);
    expect(labelColor(reloadedSecond, "Y")).toBe(LABEL_PALETTE[0]);
  });
});
