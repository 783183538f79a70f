import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { FakeBackend } from "./mock/fakeBackend";

let backend: FakeBackend;
let failNextSave: boolean;

beforeEach(() => {
  backend = new FakeBackend();
  failNextSave = false;
  mockIPC((command, args) => {
    if (command === "save_annotation" && failNextSave) {
      failNextSave = false;
      throw { code: "io", message: "disk full" };
    }
    return backend.handle(command, (args ?? {}) as Record<string, unknown>);
  });
});

afterEach(() => {
  cleanup();
  clearMocks();
});

/** Queries inside the task panel's shadow root. */
function panel() {
  const root = document.querySelector(".task-panel")?.shadowRoot?.querySelector(".panel-root");
  if (!(root instanceof HTMLElement)) throw new Error("no task panel");
  return within(root);
}

async function openDemo() {
  render(<App />);
  fireEvent.click(await screen.findByTestId("open-demo"));
  await waitFor(() => expect(panel().getByTestId("task-text").textContent).toContain("battery"));
}

function key(keyName: string, modifiers: Partial<KeyboardEventInit> = {}) {
  act(() => {
    fireEvent.keyDown(window, { key: keyName, ...modifiers });
  });
}

describe("App with the fake backend", () => {
  it("welcome screen offers the demo, open and new", async () => {
    render(<App />);
    expect(await screen.findByTestId("open-demo")).toBeTruthy();
    expect(screen.getByTestId("open-project")).toBeTruthy();
    expect(screen.getByTestId("new-project")).toBeTruthy();
  });

  it("labels with keys, refuses an empty required control, and keeps the task when a save fails", async () => {
    await openDemo();
    expect(screen.getByTestId("progress").textContent).toContain("0 of 3 done by you · 3 left");

    key("Enter");
    await waitFor(() => expect(panel().getByRole("alert").textContent).toContain('"sentiment" is required'));
    expect(backend.saves).toHaveLength(0);

    key("1");
    expect(panel().getByTestId("choice-Positive").getAttribute("aria-pressed")).toBe("true");
    failNextSave = true;
    key("Enter");
    await waitFor(() => expect(screen.getByTestId("error-banner").textContent).toContain("disk full"));
    expect(panel().getByTestId("task-text").textContent).toContain("battery");

    key("Enter");
    await waitFor(() => expect(panel().getByTestId("task-text").textContent).toContain("Broke after a week"));
    expect(screen.queryByTestId("error-banner")).toBeNull();
    expect(backend.saves).toHaveLength(1);
    expect(backend.saves[0]).toMatchObject({
      task_id: 1,
      status: "submitted",
      result: [{ from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["Positive"] } }],
    });
    await waitFor(() => expect(screen.getByTestId("progress").textContent).toContain("1 of 3 done by you · 2 left"));

    key(" ", { ctrlKey: true });
    await waitFor(() => expect(panel().getByTestId("task-text").textContent).toContain("Tuesday"));
    expect(backend.saves[1]).toMatchObject({ task_id: 2, status: "skipped", result: [] });

    key("Backspace");
    await waitFor(() => expect(panel().getByTestId("task-text").textContent).toContain("Broke after a week"));
  });

  it("opens help with ? and closes it with Escape; g toggles the guidelines", async () => {
    await openDemo();
    key("?", { shiftKey: true });
    expect(await screen.findByTestId("help-overlay")).toBeTruthy();
    expect(screen.getByTestId("help-overlay").textContent).toContain("Ctrl+Space");
    key("Escape");
    expect(screen.queryByTestId("help-overlay")).toBeNull();
    key("g");
    expect(screen.getByTestId("guidelines-panel").textContent).toContain("Sentiment guidelines");
    key("g");
    expect(screen.queryByTestId("guidelines-panel")).toBeNull();
  });
});
