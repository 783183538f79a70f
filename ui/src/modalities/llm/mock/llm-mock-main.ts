/**
 * Entry of llm-mock.html: the real app over the fake LLM backend (mockIPC), for
 * tests/browser-llm.test.mjs. `window.__glossLlmFake` exposes the saves it received.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeLlmBackend } from "./fakeLlmBackend";

declare global {
  interface Window {
    __glossLlmFake?: FakeLlmBackend;
    __pwned?: number;
  }
}

const backend = new FakeLlmBackend();
window.__glossLlmFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
void import("../../../main");
