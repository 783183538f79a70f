/**
 * Entry of mock.html: installs the fake backend behind Tauri's IPC with `mockIPC`, then loads the
 * real app unchanged. Only built by `vite build --mode mock` (see vite.config.ts). The backend
 * is exposed as `window.__glossFake` so the browser test can read the saves it received.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeBackend } from "./fakeBackend";

declare global {
  interface Window {
    __glossFake?: FakeBackend;
  }
}

// `mock.html?project=ner` opens the named-entity demo instead of text classification.
const backend = new FakeBackend(new URLSearchParams(window.location.search).get("project") === "ner" ? "ner" : "demo");
window.__glossFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
void import("../main");
