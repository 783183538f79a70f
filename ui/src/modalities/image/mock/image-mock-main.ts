/**
 * Entry of image-mock.html: the real app over the fake image backend (mockIPC), for
 * tests/browser-image.test.mjs. The asset URL of the fixture file is a PNG drawn in the page
 * (the asset protocol exists only in the desktop shell); any other path gets a URL that cannot
 * load. `window.__glossImageFake` exposes what the backend received.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { FakeImageBackend, FIXTURE_HEIGHT, FIXTURE_PATH, FIXTURE_WIDTH } from "./fakeImageBackend";

declare global {
  interface Window {
    __glossImageFake?: FakeImageBackend;
    __TAURI_INTERNALS__?: { convertFileSrc?: (path: string, protocol?: string) => string };
  }
}

/** A grid with a dark corner, so brightness/contrast have something to act on. */
function fixturePng(): string {
  const canvas = document.createElement("canvas");
  canvas.width = FIXTURE_WIDTH;
  canvas.height = FIXTURE_HEIGHT;
  const context = canvas.getContext("2d");
  if (context === null) return "data:,no-canvas";
  context.fillStyle = "#8aa0b8";
  context.fillRect(0, 0, FIXTURE_WIDTH, FIXTURE_HEIGHT);
  context.fillStyle = "#20242c";
  context.fillRect(0, 0, FIXTURE_WIDTH / 2, FIXTURE_HEIGHT / 2);
  context.strokeStyle = "#ffffff";
  for (let x = 0; x <= FIXTURE_WIDTH; x += 100) context.strokeRect(x, 0, 0, FIXTURE_HEIGHT);
  for (let y = 0; y <= FIXTURE_HEIGHT; y += 100) context.strokeRect(0, y, FIXTURE_WIDTH, 0);
  return canvas.toDataURL("image/png");
}

const backend = new FakeImageBackend();
window.__glossImageFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
const fixtureUrl = fixturePng();
const internals = window.__TAURI_INTERNALS__;
if (internals !== undefined) {
  internals.convertFileSrc = (path: string) => (path === FIXTURE_PATH ? fixtureUrl : "data:,missing");
}
void import("../../../main");
