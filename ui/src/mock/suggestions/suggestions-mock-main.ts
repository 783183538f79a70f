/**
 * Entry of suggestions-mock.html: the real app over the fake suggestions backend (mockIPC), for
 * tests/browser-suggestions.test.mjs. `window.__glossSuggestionsFake` exposes the saves it received.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeSuggestionsBackend } from "./fakeSuggestionsBackend";

declare global {
  interface Window {
    __glossSuggestionsFake?: FakeSuggestionsBackend;
  }
}

const backend = new FakeSuggestionsBackend();
window.__glossSuggestionsFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
void import("../../main");
