// End-to-end check of the audio labelling screen in real Chromium, against the fake audio
// backend (src/modalities/audio/mock/): a WAV made in the page, its peaks computed there and sent
// in the core's binary layout, and played from a URL the fake's `media_server_base` names, which
// this test serves (with ranges) as the shell's loopback media server would. Builds only that
// entry into dist-audio-mock/ with the project's vite config, serves it on 127.0.0.1, drives /usr/bin/chromium through playwright-core: cuts a
// segment with the mouse, labels it by key, types its transcript, nudges its start, deletes a
// second segment and brings it back with undo and redo, cuts a third by keyboard alone, plays, changes speed and zoom by key,
// submits, and checks what the fake backend received; then the
// next task, whose audio is a URL, must say so instead of showing a player. Leaves a screenshot
// at /tmp/gloss-audio.png.
import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { buildMockEntry, closeAll, launchChromium, serveDirectory } from "./mockHarness.mjs";

const entryPath = "src/modalities/audio/mock/audio-mock.html";
const screenshotPath = process.env.GLOSS_AUDIO_SCREENSHOT ?? "/tmp/gloss-audio.png";
const DURATION_SECONDS = 6;

let server;
let browser;
let baseUrl;

before(async () => {
  const distDir = await buildMockEntry("dist-audio-mock", "audio", entryPath);
  ({ server, baseUrl } = await serveDirectory(distDir));
  browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
});

after(() => closeAll(server, browser));

test("cut, label, transcribe, nudge and submit an audio segment; a URL gets a notice", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  const foreignRequests = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(baseUrl) && !url.startsWith("data:") && !url.startsWith("blob:")) foreignRequests.push(url);
  });

  // The shell's loopback media server, played by the page: task 1's "audio" field is the WAV the
  // page made; anything else is a bare 404, as there.
  const mediaRequests = [];
  await page.route(`${baseUrl}/mock-media-server/media/mock-token/**`, async (route) => {
    const request = route.request();
    const path = new URL(request.url()).pathname.replace("/mock-media-server/media/mock-token", "");
    mediaRequests.push(path);
    if (path !== "/1/audio") return route.fulfill({ status: 404, body: "" });
    const wav = Buffer.from(await page.evaluate(() => Array.from(new Uint8Array(window.__glossAudioFake.wavBytes))));
    const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers().range ?? "");
    const headers = { "content-type": "audio/wav", "accept-ranges": "bytes", "cache-control": "no-store" };
    if (range === null) return route.fulfill({ status: 200, headers, body: wav });
    const start = range[1] === "" ? Math.max(0, wav.length - Number(range[2])) : Number(range[1]);
    const end = range[1] === "" || range[2] === "" ? wav.length - 1 : Math.min(Number(range[2]), wav.length - 1);
    if (start >= wav.length) return route.fulfill({ status: 416, headers: { "content-range": `bytes */${wav.length}` }, body: "" });
    return route.fulfill({ status: 206, headers: { ...headers, "content-range": `bytes ${start}-${end}/${wav.length}` }, body: wav.subarray(start, end + 1) });
  });
  await page.goto(`${baseUrl}/${entryPath}`);
  // The number of segments drawn on the waveform (region elements inside wavesurfer's shadow root).
  await page.evaluate(() => {
    window.drawnSegments = () => {
      const wave = document.querySelector(".task-panel")?.shadowRoot?.querySelector('[data-testid="audio-waveform"]');
      return wave?.firstElementChild?.shadowRoot?.querySelectorAll("[data-segment]").length ?? 0;
    };
  });
  await page.getByTestId("open-demo").click();
  const audioObject = page.locator('[data-testid="audio-object"][data-ready="true"]');
  await audioObject.waitFor();
  assert.equal(await page.getByTestId("audio-time").textContent(), "0:00.00 / 0:06.00");
  // The waveform is drawn from the peaks the backend sent: canvases with ink on them.
  const inked = await page.evaluate(() => {
    const host = document.querySelector(".task-panel");
    const wave = host?.shadowRoot?.querySelector('[data-testid="audio-waveform"]');
    const canvases = [...(wave?.firstElementChild?.shadowRoot?.querySelectorAll("canvas") ?? [])];
    return canvases.some((canvas) => {
      const pixels = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      for (let idx = 3; idx < pixels.length; idx += 4) if (pixels[idx] > 0) return true;
      return false;
    });
  });
  assert.equal(inked, true, "the waveform canvas has no ink");
  assert.deepEqual(await page.evaluate(() => window.__glossAudioFake.peakRequests.map((args) => args.field)), ["audio"]);

  // Cut 1.0 s – 2.5 s with the mouse.
  const wave = await page.getByTestId("audio-waveform").boundingBox();
  const xAt = (seconds) => wave.x + (wave.width * seconds) / DURATION_SECONDS;
  const y = wave.y + wave.height / 2;
  await page.mouse.move(xAt(1), y);
  await page.mouse.down();
  await page.mouse.move(xAt(1.5), y, { steps: 4 });
  await page.mouse.move(xAt(2.5), y, { steps: 6 });
  await page.mouse.up();
  await page.getByTestId("notice").filter({ hasText: "press a label's key" }).waitFor();

  // Label it with the first label's key: it becomes a segment, selected, listed, drawn.
  await page.keyboard.press("1");
  const rows = page.getByTestId("segment-row");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /Speech.*0:01\.\d\d–0:02\.\d\d/);
  await page.waitForFunction(() => drawnSegments() === 1);
  assert.equal(await rows.first().getAttribute("class"), "region-row selected");

  // Its transcript, in the per-region TextArea.
  const transcript = page.getByTestId("per-region-transcript").locator("textarea");
  await transcript.click();
  await page.keyboard.type("good morning, everyone");
  // Leave the text field (keys are off while typing), keeping the selection.
  await page.locator(".app-header h1").click();

  // Nudge the start 30 ms later and the end 10 ms earlier by key.
  const segmentBefore = await page.locator("[data-segment]").boundingBox();
  for (let press = 0; press < 3; press += 1) await page.keyboard.press("Alt+ArrowRight");
  await page.keyboard.press("Alt+Shift+ArrowLeft");
  // The region is redrawn after React's effect runs: poll for a second at most.
  let segmentAfter = await page.locator("[data-segment]").boundingBox();
  for (let attempt = 0; attempt < 20 && segmentAfter.x <= segmentBefore.x; attempt += 1) {
    await page.waitForTimeout(50);
    segmentAfter = await page.locator("[data-segment]").boundingBox();
  }
  assert.ok(segmentAfter.x > segmentBefore.x, "the drawn segment did not move with the nudge");

  // A second segment (Music, by key), deleted with Delete, brought back by undo, deleted again by redo.
  await page.mouse.move(xAt(3.5), y);
  await page.mouse.down();
  await page.mouse.move(xAt(4.5), y, { steps: 6 });
  await page.mouse.up();
  await page.getByTestId("notice").filter({ hasText: "press a label's key" }).waitFor();
  await page.keyboard.press("2");
  await rows.nth(1).waitFor();
  assert.match(await rows.nth(1).textContent(), /Music.*0:03\.\d\d–0:04\.\d\d/);
  // Drag its right edge by 0.75 s (the grip sits a few pixels inside the edge, and the drag is
  // relative): the state, and so the list, follow the plugin.
  const handle = await page.locator('[data-labels="Music"] [part~="region-handle-right"]').boundingBox();
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(xAt(5), y, { steps: 4 });
  await page.mouse.move(xAt(5.25), y, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction(() =>
    /0:05\.[23]\d/.test(document.querySelector(".task-panel").shadowRoot.querySelectorAll('[data-testid="segment-row"]')[1]?.textContent ?? ""),
  );
  await page.keyboard.press("Delete");
  await page.waitForFunction(() => document.querySelector(".task-panel").shadowRoot.querySelectorAll('[data-testid="segment-row"]').length === 1);
  await page.keyboard.press("Control+z");
  await rows.nth(1).waitFor();
  // The plugin appends a region's element on a timer: wait for it rather than race it.
  await page.waitForFunction(() => drawnSegments() === 2);
  await page.keyboard.press("Control+Shift+z");
  await page.waitForFunction(() => document.querySelector(".task-panel").shadowRoot.querySelectorAll('[data-testid="segment-row"]').length === 1);
  await page.waitForFunction(() => drawnSegments() === 1);

  // A cut by keyboard alone: seek to 4 s, [ , seek to 5 s, ] , then the third label's key.
  for (let press = 0; press < 4; press += 1) await page.keyboard.press("ArrowRight");
  await page.keyboard.press("[");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("]");
  await page.getByTestId("notice").filter({ hasText: "press a label's key" }).waitFor();
  await page.keyboard.press("3");
  await rows.nth(1).waitFor();
  assert.match(await rows.nth(1).textContent(), /Noise0:04\.00–0:05\.00/);
  await page.keyboard.press("Shift+ArrowLeft");

  // Speed and zoom by key.
  await page.keyboard.press(".");
  assert.equal(await page.getByTestId("audio-speed").textContent(), "1.25×");
  await page.keyboard.press("=");
  assert.notEqual(await page.getByTestId("audio-zoom").textContent(), "fit");
  await page.keyboard.press("-");
  assert.equal(await page.getByTestId("audio-zoom").textContent(), "fit");

  // Play and pause with Space; the time moves while playing.
  const timeBeforePlay = await page.getByTestId("audio-time").textContent();
  assert.equal(timeBeforePlay, "0:00.00 / 0:06.00");
  await page.keyboard.press(" ");
  await page.getByTestId("audio-play").filter({ hasText: "Pause" }).waitFor();
  await page.waitForFunction(() => {
    const host = document.querySelector(".task-panel");
    const time = host?.shadowRoot?.querySelector('[data-testid="audio-time"]')?.textContent ?? "";
    return !time.startsWith("0:00.00");
  });
  await page.keyboard.press(" ");
  await page.getByTestId("audio-play").filter({ hasText: "Play" }).waitFor();

  // The ? overlay lists the player's keys.
  await page.keyboard.press("?");
  const overlay = page.getByTestId("help-overlay");
  await overlay.waitFor();
  const help = await overlay.textContent();
  for (const line of ["audio: play / pause", "audio: seek back 1 s", "audio: move the selected segment's start 10 ms later", "audio: move the selected segment's end 10 ms earlier", "audio: play faster", "audio: zoom in", "audio: start a cut at the playhead", "kind: Speech"]) {
    assert.ok(help.includes(line), `the help overlay lacks "${line}"`);
  }
  await page.keyboard.press("Escape");

  await page.screenshot({ path: screenshotPath, fullPage: true });

  await page.keyboard.press("Enter");
  await page.waitForFunction(() => (window.__glossAudioFake?.saves.length ?? 0) > 0);
  const [save] = await page.evaluate(() => window.__glossAudioFake.saves);
  assert.equal(save.task_id, 1);
  assert.equal(save.status, "submitted");
  const segment = save.result.find((item) => item.from_name === "kind" && item.value.labels[0] === "Speech");
  const byKeyboard = save.result.find((item) => item.from_name === "kind" && item.value.labels[0] === "Noise");
  assert.deepEqual(byKeyboard.value, { start: 4, end: 5, channel: 0, labels: ["Noise"] });
  const text = save.result.find((item) => item.from_name === "transcript");
  assert.equal(save.result.length, 3);
  assert.equal(segment.type, "labels");
  assert.equal(segment.to_name, "audio");
  assert.deepEqual(segment.value.labels, ["Speech"]);
  assert.equal(segment.value.channel, 0);
  // The drag was 1.0 – 2.5 s (a few pixels of slack), then +30 ms on the start, -10 ms on the end.
  assert.ok(Math.abs(segment.value.start - 1.03) < 0.04, `start ${segment.value.start}`);
  assert.ok(Math.abs(segment.value.end - 2.49) < 0.04, `end ${segment.value.end}`);
  assert.equal(Math.round(segment.value.start * 1000), segment.value.start * 1000, "start is not kept to the millisecond");
  assert.deepEqual(text, { id: segment.id, from_name: "transcript", to_name: "audio", type: "textarea", value: { text: ["good morning, everyone"] } });

  // Task 2 names a URL: an honest notice, no player.
  const note = page.getByTestId("audio-note");
  await note.waitFor();
  assert.match(await note.textContent(), /is a URL\. Gloss plays only local files inside the project's folders/);
  assert.equal(await page.getByTestId("audio-object").count(), 0);

  assert.ok(mediaRequests.length > 0 && mediaRequests.every((path) => path === "/1/audio"), `media requests: ${mediaRequests}`);
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
  await page.close();
});
