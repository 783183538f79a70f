/**
 * Entry of llm-mock.html: the real app over the fake LLM backend (mockIPC), for
 * tests/browser-llm.test.mjs. `window.__glossLlmFake` exposes the saves it received;
 * `?project=chat` serves the chat__chat_rlhf.xml project instead of the LLM-feedback one.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeLlmBackend } from "./fakeLlmBackend";

declare global {
  interface Window {
    __glossLlmFake?: FakeLlmBackend;
    __pwned?: number;
  }
}

const backend = new FakeLlmBackend(new URLSearchParams(window.location.search).get("project") === "chat" ? "chat" : "feedback");
window.__glossLlmFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
void import("../../../main");
