/**
 * Entry of audio-mock.html: the real app over the fake audio backend (mockIPC), for
 * tests/browser-audio.test.mjs. The audio plays from the URL the fake's `media_server_base`
 * names, on the page's own server, where the test serves the WAV made in the page (it reads
 * `wavBytes` from here). `window.__glossAudioFake` exposes what the backend received.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeAudioBackend } from "./fakeAudioBackend";

declare global {
  interface Window {
    __glossAudioFake?: FakeAudioBackend;
  }
}

const backend = new FakeAudioBackend();
window.__glossAudioFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
void import("../../../main");
