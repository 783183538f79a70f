// The task card takes the window's width when an object asks for room (an image), and keeps the
// reading width for text.
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Interface } from "../bindings/Interface";
import { createRegistry } from "../modalities";
import { classification, sentiment, textObject, view } from "../test/fixtures";
import { buildKeymap } from "./keymap";
import { initialValues } from "./result";
import { TaskCard } from "./TaskCard";

const registry = createRegistry();

function renderCard(iface: Interface) {
  const task = { task_id: 1, uid: "u1", data: { text: "x", image: "a.png" }, annotation: null, autosaved: null, media: [], media_problems: [] };
  return render(
    <TaskCard
      iface={iface}
      registry={registry}
      keymap={buildKeymap(iface, registry)}
      task={task}
      values={initialValues(iface, registry, null)}
      missing={new Set()}
      busy={false}
      onChange={vi.fn()}
      onSubmit={vi.fn()}
      onSkip={vi.fn()}
      onBack={vi.fn()}
    />,
  );
}

afterEach(cleanup);

describe("task card width", () => {
  it("is wide for an image task and reading width for text", () => {
    const imageIface: Interface = {
      root: view([{ node: "object", name: "photo" }]),
      objects: [{ ...textObject("photo", "image"), kind: { kind: "image", zoom: false } }],
      controls: [],
    };
    const { container, unmount } = renderCard(imageIface);
    expect(container.querySelector("article.task-card")?.classList.contains("wide")).toBe(true);
    unmount();
    const text = renderCard(classification([sentiment]));
    expect(text.container.querySelector("article.task-card")?.classList.contains("wide")).toBe(false);
  });
});
