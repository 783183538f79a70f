/**
 * Entry of audio-mock.html: the real app over the fake audio backend (mockIPC), for
 * tests/browser-audio.test.mjs. The asset URL of the fixture file is a blob URL of the WAV made
 * in the page (the asset protocol exists only in the desktop shell); any other path gets a URL
 * that cannot load. `window.__glossAudioFake` exposes what the backend received.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeAudioBackend, FIXTURE_PATH } from "./fakeAudioBackend";

declare global {
  interface Window {
    __glossAudioFake?: FakeAudioBackend;
    __TAURI_INTERNALS__?: { convertFileSrc?: (path: string, protocol?: string) => string };
  }
}

const backend = new FakeAudioBackend();
window.__glossAudioFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
const fixtureUrl = URL.createObjectURL(new Blob([backend.wavBytes], { type: "audio/wav" }));
const internals = window.__TAURI_INTERNALS__;
if (internals !== undefined) {
  internals.convertFileSrc = (path: string) => (path === FIXTURE_PATH ? fixtureUrl : "data:,missing");
}
void import("../../../main");
