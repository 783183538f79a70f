/**
 * The built-in model's switch against a fake `BuiltinModelIpc`: hidden where the shell has no
 * such command, the switch sent, trainer reports (`builtin-model` events) shown as they come.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { BuiltinModelView } from "../bindings/BuiltinModelView";
import type { BuiltinModelIpc } from "../ipc";
import { BuiltinModelSwitch, builtinStatusText } from "./BuiltinModelSwitch";

afterEach(cleanup);

function fakeApi(initial: BuiltinModelView) {
  let listener: ((view: BuiltinModelView) => void) | null = null;
  const sent: boolean[] = [];
  const api: BuiltinModelIpc = {
    status: async () => initial,
    setEnabled: async (enabled: boolean) => {
      sent.push(enabled);
      return { enabled, status: null };
    },
    onEvent: async (onEvent) => {
      listener = onEvent;
      return () => {
        listener = null;
      };
    },
  };
  return { api, sent, emit: (view: BuiltinModelView) => listener?.(view) };
}

const ready: BuiltinModelView = {
  enabled: true,
  status: {
    state: "ready",
    model_version: "builtin-logreg@t24-0a1b2c3d",
    metrics: {
      n_examples: 24,
      n_held_out: 2,
      held_out_accuracy: 0.5,
      held_out_macro_f1: 0.5,
      epochs: 5,
      training_ms: 12,
    },
    n_new_submissions: 3,
    retrain_after_submissions: 20,
    n_predicted: 40,
  },
};

describe("BuiltinModelSwitch", () => {
  it("is hidden when the shell does not answer", async () => {
    const api: BuiltinModelIpc = {
      status: async () => {
        throw new Error("unknown command");
      },
      setEnabled: async () => {
        throw new Error("unknown command");
      },
      onEvent: async () => () => {},
    };
    render(<BuiltinModelSwitch api={api} />);
    await act(async () => {});
    expect(screen.queryByTestId("builtin-model")).toBeNull();
  });

  it("sends the switch and shows the trainer's reports", async () => {
    const fake = fakeApi({ enabled: false, status: null });
    render(<BuiltinModelSwitch api={fake.api} />);
    const toggle = (await screen.findByTestId("builtin-model-toggle")) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    expect(screen.getByTestId("builtin-model-status").textContent).toBe("off");
    fireEvent.click(toggle);
    await waitFor(() => expect(fake.sent).toEqual([true]));
    await waitFor(() => expect(screen.getByTestId("builtin-model-status").textContent).toBe("starting…"));
    act(() =>
      fake.emit({ enabled: true, status: { state: "not_enough_labels", message: "too few labelled examples" } }),
    );
    expect(screen.getByTestId("builtin-model-status").textContent).toBe("too few labelled examples");
    act(() => fake.emit({ enabled: true, status: { state: "labelling", model_version: "m", n_done: 3, n_planned: 9 } }));
    expect(screen.getByTestId("builtin-model-status").textContent).toBe("pre-labelling 3/9…");
    act(() => fake.emit(ready));
    expect(screen.getByTestId("builtin-model-status").textContent).toBe(
      "builtin-logreg@t24-0a1b2c3d · held-out accuracy 50%",
    );
    expect(screen.getByTestId("builtin-model-status").getAttribute("title")).toBe(
      "Retrains after 20 new submissions (3 so far); its last pass pre-labelled 40 tasks.",
    );
    expect((screen.getByTestId("builtin-model-toggle") as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByTestId("builtin-model-toggle"));
    await waitFor(() => expect(fake.sent).toEqual([true, false]));
  });

  it("keeps a trainer report that arrived before the switch's answer", async () => {
    let answer: ((view: BuiltinModelView) => void) | null = null;
    let listener: ((view: BuiltinModelView) => void) | null = null;
    const api: BuiltinModelIpc = {
      status: async () => ({ enabled: false, status: null }),
      setEnabled: () =>
        new Promise<BuiltinModelView>((resolve) => {
          answer = resolve;
        }),
      onEvent: async (onEvent) => {
        listener = onEvent;
        return () => {};
      },
    };
    render(<BuiltinModelSwitch api={api} />);
    fireEvent.click(await screen.findByTestId("builtin-model-toggle"));
    await waitFor(() => expect(answer).not.toBeNull());
    act(() => listener?.(ready));
    // The command's answer was computed before that report: it must not bring back an older one.
    await act(async () => answer?.({ enabled: true, status: { state: "labelling", model_version: "m", n_done: 9, n_planned: 9 } }));
    expect(screen.getByTestId("builtin-model-status").textContent).toBe(
      "builtin-logreg@t24-0a1b2c3d · held-out accuracy 50%",
    );
  });

  it("says when a pass has written predictions", async () => {
    const fake = fakeApi({ enabled: true, status: null });
    let n_calls = 0;
    render(<BuiltinModelSwitch api={fake.api} onPredictionsWritten={() => (n_calls += 1)} />);
    await screen.findByTestId("builtin-model-toggle");
    act(() => fake.emit(ready));
    expect(n_calls).toBe(0);
    act(() => fake.emit({ enabled: true, status: { state: "labelling", model_version: "m", n_done: 9, n_planned: 9 } }));
    act(() => fake.emit(ready));
    expect(n_calls).toBe(1);
    act(() => fake.emit(ready));
    expect(n_calls).toBe(1);
  });

  it("words every state", () => {
    expect(builtinStatusText({ enabled: true, status: { state: "training", n_examples: 12 } })).toBe(
      "training on 12 labelled examples…",
    );
    expect(builtinStatusText({ enabled: true, status: { state: "failed", message: "disk full" } })).toBe(
      "failed: disk full",
    );
  });
});
