// The arrow-key rule between objects (a text with spans and an audio, or an image): the arrow
// keys act on the object clicked or focused last; other keys of an object always reach it.
import { afterEach, describe, expect, it } from "vitest";
import { AUDIO_ARROW_TARGETS } from "../modalities/audio/keys";
import { IMAGE_ARROW_TARGETS } from "../modalities/image/keys";
import { activeObjectName, listenObjectKeys, ownsArrowKeys, pressObjectKey } from "./objectKeys";

/** A task panel like the app's: objects inside a shadow root, each a `data-object` element. */
function panel() {
  const host = document.createElement("div");
  document.body.append(host);
  const root = host.attachShadow({ mode: "open" });
  const text = document.createElement("div");
  text.dataset.object = "text";
  text.tabIndex = 0; // a labelled text: its caret takes the arrows
  const span = document.createElement("span");
  text.append(span);
  const audio = document.createElement("div");
  audio.dataset.object = "audio";
  const wave = document.createElement("div");
  audio.append(wave);
  const labelButton = document.createElement("button");
  root.append(text, audio, labelButton);
  return { host, text, span, audio, wave, labelButton };
}

function click(element: Element) {
  element.dispatchEvent(new Event("pointerdown", { bubbles: true, composed: true }));
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  document.body.innerHTML = "";
});

function listen(name: string, arrowTargets: ReadonlySet<string>) {
  const got: string[] = [];
  cleanups.push(listenObjectKeys(name, (target) => got.push(target), { arrowTargets }));
  return got;
}

describe("arrow keys between a text and an audio", () => {
  it("names the arrow targets of the audio and the image", () => {
    expect([...AUDIO_ARROW_TARGETS].sort()).toEqual(
      ["end-earlier", "end-later", "seek-back", "seek-back-long", "seek-forward", "seek-forward-long", "start-earlier", "start-later"].sort(),
    );
    expect(IMAGE_ARROW_TARGETS.has("pan-left")).toBe(true);
    expect(IMAGE_ARROW_TARGETS.has("move-up-far")).toBe(true);
    expect(IMAGE_ARROW_TARGETS.has("zoom-in")).toBe(false);
  });

  it("after a click in the text, the audio's arrows are taken and dropped; its other keys still act", () => {
    const page = panel();
    const audioKeys = listen("audio", AUDIO_ARROW_TARGETS);
    click(page.span);
    expect(activeObjectName()).toBe("text");
    expect(ownsArrowKeys("audio")).toBe(false);
    expect(pressObjectKey("audio", "seek-forward-long")).toBe(true);
    expect(pressObjectKey("audio", "seek-back")).toBe(true);
    expect(pressObjectKey("audio", "play")).toBe(true);
    expect(audioKeys).toEqual(["play"]);
  });

  it("after a click on the waveform, the audio owns the arrows again", () => {
    const page = panel();
    const audioKeys = listen("audio", AUDIO_ARROW_TARGETS);
    click(page.span);
    click(page.wave);
    expect(activeObjectName()).toBe("audio");
    pressObjectKey("audio", "seek-forward");
    expect(audioKeys).toEqual(["seek-forward"]);
  });

  it("focus moving into the text (Tab) counts as well as a click", () => {
    const page = panel();
    const audioKeys = listen("audio", AUDIO_ARROW_TARGETS);
    click(page.wave);
    page.text.dispatchEvent(new FocusEvent("focusin", { bubbles: true, composed: true }));
    pressObjectKey("audio", "seek-forward");
    expect(audioKeys).toEqual([]);
  });

  it("a click outside every object (a label button) keeps the owner", () => {
    const page = panel();
    const audioKeys = listen("audio", AUDIO_ARROW_TARGETS);
    click(page.wave);
    click(page.labelButton);
    pressObjectKey("audio", "start-later");
    expect(audioKeys).toEqual(["start-later"]);
  });

  it("an object that takes no keys (a plain text) leaves the arrows to the audio", () => {
    const page = panel();
    page.text.removeAttribute("tabindex");
    const audioKeys = listen("audio", AUDIO_ARROW_TARGETS);
    click(page.span);
    pressObjectKey("audio", "seek-back");
    expect(audioKeys).toEqual(["seek-back"]);
  });

  it("an active object that left the page (the next task) counts as none", () => {
    const page = panel();
    const audioKeys = listen("audio", AUDIO_ARROW_TARGETS);
    click(page.span);
    page.text.remove();
    expect(activeObjectName()).toBe(null);
    pressObjectKey("audio", "seek-back");
    expect(audioKeys).toEqual(["seek-back"]);
  });

  it("between an image and an audio, the one clicked last pans or seeks", () => {
    const page = panel();
    const image = document.createElement("div");
    image.dataset.object = "image";
    page.host.shadowRoot?.append(image);
    const audioKeys = listen("audio", AUDIO_ARROW_TARGETS);
    const imageKeys = listen("image", IMAGE_ARROW_TARGETS);
    click(image);
    pressObjectKey("audio", "seek-back");
    pressObjectKey("image", "pan-left");
    click(page.wave);
    pressObjectKey("audio", "seek-back");
    pressObjectKey("image", "pan-left");
    pressObjectKey("image", "zoom-in");
    expect(audioKeys).toEqual(["seek-back"]);
    expect(imageKeys).toEqual(["pan-left", "zoom-in"]);
  });
});
