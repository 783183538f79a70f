/**
 * Entry of image-mock.html: the real app over the fake image backend (mockIPC), for
 * tests/browser-image.test.mjs. The asset URL of the fixture file is a PNG drawn in the page
 * (the asset protocol exists only in the desktop shell); any other path gets a URL that cannot
 * load. `window.__glossImageFake` exposes what the backend received.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import {
  BIG_FIXTURE_HEIGHT,
  BIG_FIXTURE_PATH,
  BIG_FIXTURE_WIDTH,
  FakeImageBackend,
  FIXTURE_HEIGHT,
  FIXTURE_PATH,
  FIXTURE_WIDTH,
} from "./fakeImageBackend";

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

/**
 * Task 3's big image (left half dark, right half light) as a data URL, and its "preview" as
 * PNG bytes (the core's would be a JPEG; the screen takes either), 2,048 px wide.
 */
function bigFixture(width: number, height: number): string {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (context === null) return "data:,no-canvas";
  context.fillStyle = "#e0e0e0";
  context.fillRect(0, 0, width, height);
  context.fillStyle = "#202020";
  context.fillRect(0, 0, width / 2, height);
  return canvas.toDataURL("image/png");
}

function dataUrlBytes(url: string): Uint8Array {
  const binary = atob(url.slice(url.indexOf(",") + 1));
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

const backend = new FakeImageBackend();
backend.previewBytes = dataUrlBytes(bigFixture(2048, Math.round((BIG_FIXTURE_HEIGHT * 2048) / BIG_FIXTURE_WIDTH)));
const bigFixtureUrl = bigFixture(BIG_FIXTURE_WIDTH, BIG_FIXTURE_HEIGHT);
window.__glossImageFake = backend;
mockIPC((command, args) => backend.handle(command, (args ?? {}) as Record<string, unknown>));
const fixtureUrl = fixturePng();
const internals = window.__TAURI_INTERNALS__;
if (internals !== undefined) {
  internals.convertFileSrc = (path: string) => (path === FIXTURE_PATH ? fixtureUrl : path === BIG_FIXTURE_PATH ? bigFixtureUrl : "data:,missing");
}
void import("../../../main");
