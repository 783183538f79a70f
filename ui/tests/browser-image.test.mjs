// End-to-end check of the image modality in real Chromium, against the fake image backend
// (src/modalities/image/mock/). Builds only that entry into dist-image-mock/ with the project's
// vite config, serves it on 127.0.0.1, drives /usr/bin/chromium through playwright-core: draws a
// box (resizes it by a handle, rotates it by key, undo, redo), a polygon (then drags one vertex), a second polygon
// (closed by Alt+Enter, a vertex deleted by double-click, a second refused), brightness and
// contrast, the region opacity slider, a keypoint (then drags it), picks a choice, submits, and
// checks the Label Studio result the fake backend received; then the URL task's notice; then a
// task whose image is over 4,096 px: shown from the core's preview first, the full image swapped
// in when zoomed to 1:1. Leaves a screenshot at /tmp/gloss-image.png.
import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { buildMockEntry, closeAll, launchChromium, serveDirectory } from "./mockHarness.mjs";

const entryPath = "src/modalities/image/mock/image-mock.html";
const screenshotPath = process.env.GLOSS_IMAGE_SCREENSHOT ?? "/tmp/gloss-image.png";

let server;
let browser;
let baseUrl;

before(async () => {
  const distDir = await buildMockEntry("dist-image-mock", "image", entryPath);
  ({ server, baseUrl } = await serveDirectory(distDir));
  browser = await launchChromium();
});

after(() => closeAll(server, browser));

/** Screen position of an image pixel, from the stage's box and the view it publishes. */
async function screenOf(page, x, y) {
  // Two frames first: a layout change (the side panel grew) refits the view in a ResizeObserver
  // callback, which runs at the next frame.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const stage = page.getByTestId("image-stage");
  const box = await stage.boundingBox();
  const [scale, offsetX, offsetY] = (await stage.getAttribute("data-view")).split(" ").map(Number);
  return { x: box.x + offsetX + x * scale, y: box.y + offsetY + y * scale };
}

async function clickImage(page, x, y) {
  const point = await screenOf(page, x, y);
  await page.mouse.click(point.x, point.y);
}

async function dragImage(page, from, to) {
  const start = await screenOf(page, from[0], from[1]);
  const end = await screenOf(page, to[0], to[1]);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 4 });
  await page.mouse.move(end.x, end.y, { steps: 4 });
  await page.mouse.up();
}

/** Waits until Escape has put the picked label down (the screen re-renders after the key). */
async function disarmed(page, testId) {
  await page.waitForFunction(
    (id) => document.querySelector(".task-panel")?.shadowRoot?.querySelector(`[data-testid="${id}"]`)?.getAttribute("aria-pressed") === "false",
    testId,
  );
}

/** Waits until the region row of a control's list shows its region selected (React renders after the click). */
async function selected(page, listTestId) {
  await page.waitForFunction(
    (id) => /\bselected\b/.test(document.querySelector(".task-panel")?.shadowRoot?.querySelector(`[data-testid="${id}"] [data-testid=image-region-row]`)?.className ?? ""),
    listTestId,
    { timeout: 5000 },
  );
}

const near = (actual, expected, tolerance, what) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

test("draw a box, a polygon (then move a vertex) and a keypoint, choose, submit; a URL gets a notice", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const pageErrors = [];
  const foreignRequests = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("request", (request) => {
    const url = request.url();
    // blob: URLs of this page hold the core's preview of a big image.
    if (!url.startsWith(baseUrl) && !url.startsWith("data:") && !url.startsWith(`blob:${baseUrl}`)) foreignRequests.push(url);
  });

  await page.goto(`${baseUrl}/${entryPath}`);
  await page.getByTestId("open-demo").click();
  const stage = page.getByTestId("image-stage");
  await stage.waitFor();
  await page.waitForFunction(() => document.querySelector("[data-testid=task-panel], .task-panel")?.shadowRoot?.querySelector("[data-view]") ?? document.querySelector("[data-view]"));
  const keyOf = async (testId) => (await page.getByTestId(testId).locator("kbd").textContent()).trim();

  // A box: pick "Car" by its key, drag from (100, 100) to (300, 250) image px.
  await page.keyboard.press(await keyOf("label-Car"));
  assert.equal(await page.getByTestId("label-Car").getAttribute("aria-pressed"), "true");
  await dragImage(page, [100, 100], [300, 250]);
  await page.getByTestId("regions-box").getByTestId("image-region-row").waitFor();

  // Rotate it by key (15° clockwise about its centre), undo, redo: one undoable edit each way.
  await page.keyboard.press("Escape");
  await disarmed(page, "label-Car");
  await clickImage(page, 200, 175);
  await selected(page, "regions-box");
  // Resize by the bottom-right handle: (300, 250) -> (340, 280) px, a 240 × 180 px box.
  await dragImage(page, [300, 250], [340, 280]);
  await page.waitForFunction(() => /box 2[34]\d × 1[78]\d px/.test(document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=regions-box]")?.textContent ?? ""));
  await page.keyboard.press("}");
  const boxRow = page.getByTestId("regions-box").getByTestId("image-region-row");
  await page.waitForFunction(() => /15°/.test(document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=regions-box]")?.textContent ?? ""));
  await page.keyboard.press("Control+z");
  assert.doesNotMatch(await boxRow.textContent(), /°/);
  await page.keyboard.press("Control+Shift+z");
  assert.match(await boxRow.textContent(), /15°/);
  await page.keyboard.press("Escape");

  // A polygon: pick "Building", click four points, close by clicking the first one.
  await page.keyboard.press(await keyOf("label-Building"));
  for (const [x, y] of [[450, 100], [650, 100], [650, 300], [450, 300]]) await clickImage(page, x, y);
  await clickImage(page, 450, 100);
  await page.getByTestId("regions-outline").getByTestId("image-region-row").waitFor();

  // Put the label down, select the polygon by clicking inside it, drag its third vertex.
  await page.keyboard.press("Escape");
  await disarmed(page, "label-Building");
  await clickImage(page, 550, 200);
  await selected(page, "regions-outline");
  await dragImage(page, [650, 300], [700, 350]);
  await page.waitForFunction(() => {
    const host = document.querySelector(".task-panel");
    const root = host?.shadowRoot ?? document;
    return /polygon, 4 points/.test(root.querySelector("[data-testid=regions-outline]")?.textContent ?? "");
  });

  // A second polygon closed by key (Alt+Enter) with four points; a double-click on a vertex
  // deletes it (4 -> 3 points); a second double-click is refused (a polygon keeps three).
  await page.keyboard.press("Escape");
  await page.keyboard.press(await keyOf("label-Building"));
  for (const [x, y] of [[100, 400], [300, 400], [300, 550], [100, 550]]) await clickImage(page, x, y);
  await page.keyboard.press("Alt+Enter");
  await page.waitForFunction(() => document.querySelector(".task-panel")?.shadowRoot?.querySelectorAll("[data-testid=regions-outline] [data-testid=image-region-row]").length === 2);
  await page.keyboard.press("Escape");
  await disarmed(page, "label-Building");
  await clickImage(page, 200, 475);
  await page.waitForFunction(() => /\bselected\b/.test(document.querySelector(".task-panel")?.shadowRoot?.querySelectorAll("[data-testid=regions-outline] [data-testid=image-region-row]")[1]?.className ?? ""));
  const corner = await screenOf(page, 300, 550);
  await page.mouse.dblclick(corner.x, corner.y);
  await page.waitForFunction(() => /polygon, 3 points/.test(document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=regions-outline]")?.textContent ?? ""));
  const other = await screenOf(page, 100, 550);
  await page.mouse.dblclick(other.x, other.y);
  await page.waitForFunction(() => /keeps at least three points/.test(document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=image-notice]")?.textContent ?? ""));

  // Brightness and contrast act on the image's canvas only.
  await page.getByTestId("image-brightness").fill("150");
  await page.getByTestId("image-contrast").fill("80");
  const filters = await page.evaluate(() =>
    Array.from(document.querySelector(".task-panel").shadowRoot.querySelectorAll("[data-testid=image-stage] canvas")).map((canvas) => canvas.style.filter),
  );
  assert.equal(filters[0], "brightness(150%) contrast(80%)");
  assert.ok(filters.slice(1).every((filter) => filter === ""), `only the image canvas is filtered: ${filters}`);

  // A keypoint, and the whole-image choice.
  await page.keyboard.press("Escape");
  await page.keyboard.press(await keyOf("label-Eye"));
  await clickImage(page, 200, 450);
  await page.getByTestId("regions-point").getByTestId("image-region-row").waitFor();
  await page.keyboard.press("Escape");
  await disarmed(page, "label-Eye");
  // Select the keypoint by clicking it, then drag it from (200, 450) to (260, 480) px.
  await clickImage(page, 200, 450);
  await selected(page, "regions-point");
  await dragImage(page, [200, 450], [260, 480]);
  await page.waitForFunction(() => /at 2[56]\d, 4[78]\d/.test(document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=regions-point]")?.textContent ?? ""));
  await page.keyboard.press("Escape");
  await page.keyboard.press("Escape");

  // The region opacity slider fades the region canvases only; the image keeps its own.
  await page.getByTestId("image-regions").fill("40");
  const opacities = await page.evaluate(() =>
    Array.from(document.querySelector(".task-panel").shadowRoot.querySelectorAll("[data-testid=image-stage] canvas")).map((canvas) => canvas.style.opacity),
  );
  assert.equal(opacities[0], "", "the image canvas is not faded");
  assert.ok(opacities.length >= 3 && opacities.slice(1).every((opacity) => opacity === "0.4"), `region canvases at 40 %: ${opacities}`);
  await page.getByTestId("image-regions").fill("100");
  await page.getByText("Sharp").click();

  // The ? overlay lists the image keys.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("?");
  const overlay = page.getByRole("dialog");
  await overlay.waitFor();
  const help = await overlay.textContent();
  for (const phrase of ["zoom in", "fit the image to the view", "close the polygon being drawn", "rotate the selected box", "delete the selected polygon vertex"]) {
    assert.ok(help.includes(phrase), `the help overlay lists "${phrase}"`);
  }
  await page.keyboard.press("Escape");

  await page.screenshot({ path: screenshotPath, fullPage: true });

  await page.keyboard.press("Enter");
  await page.waitForFunction(() => (window.__glossImageFake?.saves.length ?? 0) > 0);
  const [save] = await page.evaluate(() => window.__glossImageFake.saves);
  const byName = Object.fromEntries(save.result.map((item) => [item.from_name, item]));
  const box = byName.box;
  assert.equal(box.type, "rectanglelabels");
  assert.deepEqual([box.original_width, box.original_height, box.image_rotation], [800, 600, 0]);
  assert.deepEqual(box.value.rectanglelabels, ["Car"]);
  // Percent of the image: 100 px of 800 is 12.5 %, 100 of 600 is 16.67 %; a screen pixel here
  // is about 1.3 image px, so allow 1 %.
  // Resized to 240 × 180 px, then rotated 15° about its centre (220, 190) px: the top-left
  // corner moved to about (127.4, 72.0) px = (15.92 %, 12.0 %).
  near(box.value.x, 15.92, 1, "box x");
  near(box.value.y, 12.0, 1, "box y");
  near(box.value.width, 30, 1, "box width");
  near(box.value.height, 30, 1, "box height");
  assert.equal(box.value.rotation, 15);
  const polygons = save.result.filter((item) => item.from_name === "outline");
  assert.equal(polygons.length, 2);
  assert.deepEqual(polygons[1].value.points.map(([x, y]) => [Math.round((x * 800) / 100), Math.round((y * 600) / 100)]).length, 3);
  const polygon = polygons[0];
  assert.equal(polygon.type, "polygonlabels");
  assert.equal(polygon.value.closed, true);
  assert.deepEqual(polygon.value.polygonlabels, ["Building"]);
  assert.equal(polygon.value.points.length, 4);
  near(polygon.value.points[2][0], 87.5, 1, "moved vertex x (700 px)");
  near(polygon.value.points[2][1], 58.333, 1, "moved vertex y (350 px)");
  near(polygon.value.points[0][0], 56.25, 1, "first vertex x (450 px)");
  const point = byName.point;
  assert.equal(point.type, "keypointlabels");
  // Dragged from (200, 450) to (260, 480) px of 800 × 600.
  near(point.value.x, 32.5, 1, "dragged keypoint x");
  near(point.value.y, 80, 1, "dragged keypoint y");
  assert.deepEqual(byName.quality.value, { choices: ["Sharp"] });

  // Task 2 names a URL: an honest notice, nothing fetched.
  const note = page.getByTestId("image-note");
  await note.waitFor();
  assert.match(await note.textContent(), /is a URL\. Gloss shows only local files/);

  // Task 3: a 4,200 px wide image. The screen asks the core for its preview, shows that at the
  // fit, decodes the full image behind it and draws the full one once zoomed in past the
  // preview's resolution (1:1).
  await page.keyboard.press("Control+Space");
  await page.waitForFunction(() => document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=image-stage]")?.dataset.loadMs !== undefined);
  const bigStage = await page.evaluate(() => ({ ...document.querySelector(".task-panel").shadowRoot.querySelector("[data-testid=image-stage]").dataset }));
  assert.equal(bigStage.image, "preview", "at the fit, the preview is drawn");
  assert.ok(Number(bigStage.previewMs) >= 0 && bigStage.previewMs !== undefined, `the preview showed first: ${JSON.stringify(bigStage)}`);
  assert.deepEqual(await page.evaluate(() => window.__glossImageFake.previewRequests), [{ taskId: 3, field: "image" }]);
  assert.match(await page.evaluate(() => document.querySelector(".task-panel").shadowRoot.textContent), /4200 × 300/);
  await page.getByTestId("image-one-to-one").click();
  await page.waitForFunction(() => document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=image-stage]")?.dataset.image === "full");
  await page.getByTestId("image-fit").click();
  await page.waitForFunction(() => document.querySelector(".task-panel")?.shadowRoot?.querySelector("[data-testid=image-stage]")?.dataset.image === "preview");

  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
  await page.close();
});
