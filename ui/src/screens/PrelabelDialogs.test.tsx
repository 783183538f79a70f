/**
 * The pre-labelling dialogs against a fake `PrelabelIpc`: the settings dialog (a key sent once,
 * then only its source shown; settings parsed and saved; the core's refusal shown; test
 * connection), the run dialog (defaults, the request sent, progress events driving the bar and
 * counts, cancel, a refused second start), and the project screen opening and closing them.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import type { ConnectionTestResult } from "../bindings/ConnectionTestResult";
import type { DesktopRunRequest } from "../bindings/DesktopRunRequest";
import type { MachineSettings } from "../bindings/MachineSettings";
import type { ProviderKeyState } from "../bindings/ProviderKeyState";
import type { RunProgressEvent } from "../bindings/RunProgressEvent";
import type { PrelabelIpc } from "../ipc";
import { FakeBackend } from "../mock/fakeBackend";
import { PrelabelRunDialog, progressSummary } from "./PrelabelRunDialog";
import { formFromSettings, PrelabelSettingsDialog, settingsFromForm } from "./PrelabelSettingsDialog";

const PLANTED_KEY = "sk-ui-planted-key-0c7d1e2f3a4b";

const defaultSettings: MachineSettings = {
  provider: "openai",
  base_url: null,
  model: "gpt-4o-mini",
  azure_api_version: null,
  proxy: null,
  ca_certificate_path: null,
  concurrency: 4,
  requests_per_minute: null,
  tokens_per_minute: null,
  timeout_secs: 120,
  structured_output: false,
  price_in_per_million: null,
  price_out_per_million: null,
};

function keyState(provider: string, source: string): ProviderKeyState {
  const variables: Record<string, string> = {
    openai: "OPENAI_API_KEY",
    anthropic: "ANTHROPIC_API_KEY",
    azure: "AZURE_OPENAI_API_KEY",
  };
  return { provider, source, environment_variable: variables[provider] ?? "", keychain_unavailable_reason: null };
}

function progressEvent(change: Partial<RunProgressEvent>): RunProgressEvent {
  return {
    status: "running",
    provider: "openai",
    model: "gpt-4o-mini",
    n_planned: 10,
    n_done: 0,
    n_predicted: 0,
    n_refused: 0,
    n_failed: 0,
    tokens_in: 0,
    tokens_out: 0,
    tasks_per_second: 0,
    estimated_cost: null,
    message: null,
    model_version: null,
    ...change,
  };
}

/** A fake backend for the dialogs: records calls, keeps keys only as sources. */
function fakeApi() {
  const calls = {
    setKey: [] as [string, string][],
    saved: [] as MachineSettings[],
    started: [] as DesktopRunRequest[],
    cancelled: 0,
  };
  let settings = { ...defaultSettings };
  const sources: Record<string, string> = { openai: "environment", anthropic: "none", azure: "none" };
  let progressListener: ((event: RunProgressEvent) => void) | null = null;
  let running = false;
  const api: PrelabelIpc = {
    settings: async () => settings,
    saveSettings: async (next) => {
      if (next.concurrency > 64) throw { code: "bad_input", message: "setting concurrency: must be 1 to 64" };
      calls.saved.push(next);
      settings = next;
      return next;
    },
    keyStatus: async (provider) => keyState(provider, sources[provider] ?? "none"),
    setKey: async (provider, key) => {
      calls.setKey.push([provider, key]);
      sources[provider] = "keychain";
      return keyState(provider, "keychain");
    },
    removeKey: async (provider) => {
      sources[provider] = "none";
      return keyState(provider, "none");
    },
    testConnection: async (): Promise<ConnectionTestResult> => ({
      provider: settings.provider,
      base_url: "https://api.openai.com/v1",
      model: settings.model ?? "",
      n_models_listed: 12,
      model_listed: true,
    }),
    latestPromptVersion: async () => 3,
    runStatus: async () => null,
    startRun: async (request) => {
      if (running) {
        throw { code: "bad_input", message: "A pre-labelling run is already going: wait for it to finish or cancel it first" };
      }
      running = true;
      calls.started.push(request);
      progressListener?.(progressEvent({ n_planned: request.limit ?? 10 }));
      return null;
    },
    cancelRun: async () => {
      calls.cancelled += 1;
      return true;
    },
    onProgress: async (listener) => {
      progressListener = listener;
      return () => {
        progressListener = null;
      };
    },
  };
  const emitProgress = (event: RunProgressEvent) => {
    if (event.status !== "running") running = false;
    act(() => progressListener?.(event));
  };
  return { api, calls, emitProgress };
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("PrelabelSettingsDialog", () => {
  it("sends a key once and afterwards shows only where it comes from", async () => {
    const { api, calls } = fakeApi();
    render(<PrelabelSettingsDialog api={api} onClose={() => {}} />);
    expect(await screen.findByText("Key: from OPENAI_API_KEY")).toBeTruthy();
    expect(await screen.findByTestId("key-status-anthropic")).toHaveProperty("textContent", "Key: none");
    const input = screen.getByTestId("key-input-openai") as HTMLInputElement;
    expect(input.type).toBe("password");
    fireEvent.change(input, { target: { value: PLANTED_KEY } });
    fireEvent.click(screen.getByTestId("key-save-openai"));
    await waitFor(() => expect(screen.getByTestId("key-status-openai").textContent).toBe("Key: stored in the keychain"));
    expect(calls.setKey).toEqual([["openai", PLANTED_KEY]]);
    // The field is emptied and the key is nowhere on the page.
    expect(input.value).toBe("");
    expect(document.body.innerHTML).not.toContain(PLANTED_KEY);
    expect(document.body.textContent).not.toContain(PLANTED_KEY);
    // Removing it goes back to "none".
    fireEvent.click(screen.getByTestId("key-remove-openai"));
    await waitFor(() => expect(screen.getByTestId("key-status-openai").textContent).toBe("Key: none"));
  });

  it("saves the parsed settings, refuses a half-typed number and shows the core's refusal", async () => {
    const { api, calls } = fakeApi();
    render(<PrelabelSettingsDialog api={api} onClose={() => {}} />);
    const proxy = await screen.findByTestId("settings-proxy");
    fireEvent.change(proxy, { target: { value: " http://proxy.example:3128 " } });
    fireEvent.change(screen.getByTestId("settings-concurrency"), { target: { value: "8" } });
    fireEvent.change(screen.getByTestId("settings-price-in"), { target: { value: "2.5" } });
    fireEvent.change(screen.getByTestId("settings-rpm"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("settings-save"));
    await waitFor(() => expect(calls.saved).toHaveLength(1));
    expect(calls.saved[0]).toMatchObject({
      proxy: "http://proxy.example:3128",
      concurrency: 8,
      price_in_per_million: 2.5,
      requests_per_minute: null,
      model: "gpt-4o-mini",
    });
    expect(await screen.findByTestId("settings-notice")).toHaveProperty("textContent", "Settings saved.");

    fireEvent.change(screen.getByTestId("settings-concurrency"), { target: { value: "2.5" } });
    fireEvent.click(screen.getByTestId("settings-save"));
    expect((await screen.findByTestId("settings-problem")).textContent).toBe("concurrency must be a whole number");
    expect(calls.saved).toHaveLength(1);

    fireEvent.change(screen.getByTestId("settings-concurrency"), { target: { value: "500" } });
    fireEvent.click(screen.getByTestId("settings-save"));
    await waitFor(() =>
      expect(screen.getByTestId("settings-problem").textContent).toBe("setting concurrency: must be 1 to 64"),
    );
  });

  it("shows Azure's endpoint, deployment and API version fields and tests the connection", async () => {
    const { api, calls } = fakeApi();
    render(<PrelabelSettingsDialog api={api} onClose={() => {}} />);
    fireEvent.change(await screen.findByTestId("settings-provider"), { target: { value: "azure" } });
    expect(screen.getByText("Resource endpoint")).toBeTruthy();
    expect(screen.getByText("Deployment")).toBeTruthy();
    fireEvent.change(screen.getByTestId("settings-api-version"), { target: { value: "v1" } });
    fireEvent.change(screen.getByTestId("settings-base-url"), { target: { value: "https://res.openai.azure.com" } });
    fireEvent.click(screen.getByTestId("settings-test"));
    const result = await screen.findByTestId("connection-result");
    expect(result.textContent).toContain("12 model(s) listed");
    expect(calls.saved[0]).toMatchObject({ provider: "azure", azure_api_version: "v1" });
  });

  it("round-trips settings through the form", () => {
    const settings = { ...defaultSettings, requests_per_minute: 60, price_out_per_million: 10 };
    expect(settingsFromForm(formFromSettings(settings))).toEqual(settings);
  });
});

describe("PrelabelRunDialog", () => {
  it("starts with the settings' defaults, follows progress events and cancels", async () => {
    const { api, calls, emitProgress } = fakeApi();
    const finished = vi.fn();
    render(<PrelabelRunDialog api={api} onClose={() => {}} onFinished={finished} onOpenSettings={() => {}} />);
    await waitFor(() => expect((screen.getByTestId("run-model") as HTMLInputElement).value).toBe("gpt-4o-mini"));
    expect((screen.getByTestId("run-prompt-version") as HTMLInputElement).value).toBe("3");
    fireEvent.change(screen.getByTestId("run-limit"), { target: { value: "5" } });
    fireEvent.click(screen.getByTestId("run-start"));
    await waitFor(() => expect(calls.started).toHaveLength(1));
    expect(calls.started[0]).toEqual({
      provider: "openai",
      model: "gpt-4o-mini",
      base_url: null,
      prompt_version: 3,
      limit: 5,
    });
    const bar = (await screen.findByTestId("run-progress-bar")) as HTMLProgressElement;
    expect(bar.value).toBe(0);
    emitProgress(
      progressEvent({ n_planned: 5, n_done: 2, n_predicted: 2, tokens_in: 300, tokens_out: 40, tasks_per_second: 1.5, estimated_cost: 0.0021 }),
    );
    expect(bar.value).toBe(40);
    expect(screen.getByTestId("run-counts").textContent).toBe(
      "2 of 5 tasks · 2 predicted · 0 refused · 0 failed · 1.5 tasks/s · 340 tokens · about 0.0021 estimated cost",
    );
    // While running the form is locked and Start became Cancel.
    expect((screen.getByTestId("run-model") as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("run-cancel"));
    await waitFor(() => expect(calls.cancelled).toBe(1));
    emitProgress(progressEvent({ status: "cancelled", n_planned: 5, n_done: 3, n_predicted: 3 }));
    expect(screen.getByTestId("run-status").textContent).toContain("Cancelled");
    expect(bar.value).toBe(60);
    expect(finished).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("run-start")).toBeTruthy();
  });

  it("shows why a start was refused", async () => {
    const { api } = fakeApi();
    await api.startRun({ provider: "openai", model: "m", base_url: null, prompt_version: null, limit: null });
    render(<PrelabelRunDialog api={api} onClose={() => {}} onFinished={() => {}} onOpenSettings={() => {}} />);
    await waitFor(() => expect((screen.getByTestId("run-model") as HTMLInputElement).value).toBe("gpt-4o-mini"));
    fireEvent.click(screen.getByTestId("run-start"));
    expect((await screen.findByTestId("run-problem")).textContent).toContain("already going");
  });

  it("words the counts with and without a cost estimate", () => {
    expect(progressSummary(progressEvent({ n_done: 1, n_predicted: 1, tokens_in: 1200, tokens_out: 300 }))).toBe(
      "1 of 10 tasks · 1 predicted · 0 refused · 0 failed · 0.0 tasks/s · 1,500 tokens",
    );
  });
});

describe("the project screen", () => {
  it("opens both dialogs from the header, keeps keys away from the task and closes with Escape", async () => {
    const backend = new FakeBackend();
    const commands: string[] = [];
    const saves: unknown[] = [];
    mockIPC(
      (command, args) => {
        const record = (args ?? {}) as Record<string, unknown>;
        commands.push(command);
        if (command === "prelabel_settings") return defaultSettings;
        if (command === "latest_prelabel_prompt_version") return 1;
        if (command === "prelabel_run_status") return null;
        if (command === "key_status") return keyState(String(record.provider), "none");
        if (command === "save_annotation") saves.push(record);
        return backend.handle(command, record);
      },
      { shouldMockEvents: true },
    );
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-demo", {}, { timeout: 5000 }));
    fireEvent.click(await screen.findByTestId("prelabel-open", {}, { timeout: 5000 }));
    await screen.findByTestId("prelabel-run");
    await waitFor(() => expect((screen.getByTestId("run-model") as HTMLInputElement).value).toBe("gpt-4o-mini"));
    // A labelling key pressed while the dialog is open does not reach the task.
    act(() => {
      fireEvent.keyDown(window, { key: "1" });
      fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
    });
    act(() => {
      fireEvent.keyDown(window, { key: "Escape" });
    });
    await waitFor(() => expect(screen.queryByTestId("prelabel-run")).toBeNull());
    expect(saves).toEqual([]);
    fireEvent.click(screen.getByTestId("prelabel-settings-open"));
    expect((await screen.findByTestId("key-status-azure")).textContent).toBe("Key: none");
    act(() => {
      fireEvent.keyDown(window, { key: "Escape" });
    });
    await waitFor(() => expect(screen.queryByTestId("prelabel-settings")).toBeNull());
    expect(commands).toContain("key_status");
  });

  it("loads the untouched task on screen again when a run ends, so its new suggestion shows", async () => {
    const backend = new FakeBackend();
    const commands: string[] = [];
    mockIPC(
      (command, args) => {
        const record = (args ?? {}) as Record<string, unknown>;
        commands.push(command);
        if (command === "prelabel_settings") return defaultSettings;
        if (command === "latest_prelabel_prompt_version") return 1;
        if (command === "prelabel_run_status") return null;
        if (command === "start_prelabel_run") return null;
        return backend.handle(command, record);
      },
      { shouldMockEvents: true },
    );
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-demo", {}, { timeout: 5000 }));
    fireEvent.click(await screen.findByTestId("prelabel-open", {}, { timeout: 5000 }));
    await waitFor(() => expect((screen.getByTestId("run-model") as HTMLInputElement).value).toBe("gpt-4o-mini"));
    fireEvent.click(screen.getByTestId("run-start"));
    await waitFor(() => expect(commands).toContain("start_prelabel_run"));
    const taskLoads = () => commands.filter((command) => command === "next_task" || command === "next_task_in_order").length;
    const loadsBefore = taskLoads();
    await act(async () => {
      await emit("prelabel-progress", progressEvent({ status: "finished", n_planned: 3, n_done: 3, n_predicted: 3 }));
    });
    expect((await screen.findByTestId("run-status")).textContent).toContain("Finished");
    await waitFor(() => expect(taskLoads()).toBeGreaterThan(loadsBefore));
  });
});
