// End-to-end test in real Chromium against the fake backend (mock.html + mockIPC).
//
// Builds with `vite build --mode mock` (into dist-mock/, so the production dist/ never holds the
// fake backend), serves it on 127.0.0.1, drives Debian's /usr/bin/chromium through
// playwright-core (no browser download), labels the three demo tasks with the keyboard and checks
// what the fake backend received. Leaves a screenshot at /tmp/gloss-ui.png.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { closeAll, launchChromium, serveDirectory, uiDir } from "./mockHarness.mjs";

const distDir = join(uiDir, "dist-mock");
const screenshotPath = process.env.GLOSS_SCREENSHOT ?? "/tmp/gloss-ui.png";

let server;
let browser;
let baseUrl;

before(async () => {
  execFileSync(process.execPath, [join(uiDir, "node_modules/vite/bin/vite.js"), "build", "--mode", "mock", "--logLevel", "warn"], {
    cwd: uiDir,
    stdio: "inherit",
  });
  ({ server, baseUrl } = await serveDirectory(distDir));
  browser = await launchChromium();
});

after(() => closeAll(server, browser));

test("label three tasks with the keyboard against the fake backend", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors = [];
  const remoteRequests = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("request", (request) => {
    if (!request.url().startsWith(baseUrl) && !request.url().startsWith("data:")) remoteRequests.push(request.url());
  });
  const saves = () => page.evaluate(() => window.__glossFake.saves);
  const taskText = page.getByTestId("task-text");

  await page.goto(`${baseUrl}/mock.html`);
  await page.getByTestId("open-demo").waitFor();
  await page.screenshot({ path: screenshotPath.replace(/\.png$/, "-welcome.png") });
  await page.getByTestId("open-demo").click();
  await taskText.waitFor();
  assert.match(await taskText.innerText(), /battery lasts two full days\.\nCharging/);
  assert.equal(await page.getByTestId("progress").innerText().then((text) => text.split("\n")[0]), "0 of 3 done by you · 3 left");
  // The config's `body { background: red }` stays inside the task panel's shadow root.
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(255, 0, 0)");

  // Task 1: "1" selects Positive, Enter submits.
  await page.keyboard.press("1");
  assert.equal(await page.getByTestId("choice-Positive").getAttribute("aria-pressed"), "true");
  await page.screenshot({ path: screenshotPath });
  await page.keyboard.press("Enter");

  // Task 2: hostile text is shown as text; Enter without a choice is refused and says why.
  await page.getByText("Broke after a week").waitFor();
  assert.match(await taskText.innerText(), /<script>window.__pwned = 1<\/script><img src=x onerror=/);
  await page.keyboard.press("Enter");
  await page.getByText('"sentiment" is required').waitFor();
  assert.equal((await saves()).length, 1);
  await page.keyboard.press("2");
  await page.keyboard.press("Enter");

  // Task 3: help overlay and guidelines open and close with their keys.
  await page.getByText("It arrived on Tuesday").waitFor();
  await page.keyboard.press("?");
  await page.getByTestId("help-overlay").waitFor();
  assert.match(await page.getByTestId("help-overlay").innerText(), /sentiment: Neutral/);
  await page.screenshot({ path: screenshotPath.replace(/\.png$/, "-help.png") });
  await page.keyboard.press("Escape");
  await page.getByTestId("help-overlay").waitFor({ state: "detached" });
  await page.keyboard.press("g");
  await page.getByTestId("guidelines-panel").waitFor();
  assert.match(await page.getByTestId("guidelines-panel").innerText(), /Label the overall sentiment/);
  assert.equal(await page.locator('[data-testid="guidelines-panel"] img[src]').count(), 0);
  await page.screenshot({ path: screenshotPath.replace(/\.png$/, "-guidelines.png") });
  await page.keyboard.press("g");
  await page.getByTestId("guidelines-panel").waitFor({ state: "detached" });
  await page.keyboard.press("3");
  await page.keyboard.press("Enter");

  await page.getByTestId("queue-empty").waitFor();
  assert.match(await page.getByTestId("queue-empty").innerText(), /All tasks are done — 3 submitted/);
  await page.screenshot({ path: screenshotPath.replace(/\.png$/, "-done.png") });
  assert.match(await page.getByTestId("progress").innerText(), /3 of 3 done by you · 0 left/);

  const received = await saves();
  assert.equal(received.length, 3);
  assert.deepEqual(
    received.map((save) => [save.task_id, save.status, save.result[0].value.choices]),
    [
      [1, "submitted", ["Positive"]],
      [2, "submitted", ["Negative"]],
      [3, "submitted", ["Neutral"]],
    ],
  );
  for (const save of received) {
    assert.equal(save.result.length, 1);
    const [item] = save.result;
    assert.equal(item.from_name, "sentiment");
    assert.equal(item.to_name, "text");
    assert.equal(item.type, "choices");
    assert.match(item.id, /^[A-Za-z0-9_-]{10}$/);
    assert.ok(Number.isInteger(save.lead_time_ms) && save.lead_time_ms >= 0);
  }

  // Back from the empty queue shows the last task, pre-filled; skipping it appends a version.
  await page.keyboard.press("Backspace");
  await page.getByText("It arrived on Tuesday").waitFor();
  assert.equal(await page.getByTestId("choice-Neutral").getAttribute("aria-pressed"), "true");
  await page.keyboard.press("Backspace");
  await page.getByText("Broke after a week").waitFor();
  assert.equal(await page.getByTestId("choice-Negative").getAttribute("aria-pressed"), "true");
  await page.keyboard.press("Control+Space");
  await page.getByTestId("queue-empty").waitFor();
  const afterSkip = await saves();
  assert.equal(afterSkip.length, 4);
  assert.deepEqual([afterSkip[3].task_id, afterSkip[3].status, afterSkip[3].result], [2, "skipped", []]);
  assert.match(await page.getByTestId("queue-empty").innerText(), /All tasks are done — 2 submitted/);

  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(remoteRequests, []);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

// Named entities (mock.html?project=ner): two spans after emoji (one by a mouse drag, one by a DOM
// Range and a key), one relation, submit; the saved offsets must be Python code point offsets.
test("label entities and a relation in text that starts with emoji", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${baseUrl}/mock.html?project=ner`);
  await page.getByTestId("open-demo").click();
  const taskText = page.getByTestId("task-text");
  await taskText.waitFor();
  const text = await page.evaluate(() => window.__glossFake.handle("next_task", { exclude: [] }).data.text);
  assert.ok(text.startsWith("🎉👩‍💻"));
  assert.equal(await taskText.evaluate((element) => element.textContent), text);

  // The on-screen rectangle of text[utf16Start, utf16End), found in the panel's shadow root.
  const rectOf = (utf16Start, utf16End) =>
    taskText.evaluate((root, [start, end]) => {
      const segments = Array.from(root.querySelectorAll("[data-start]"));
      const at = (offset) => {
        const segment = segments.filter((candidate) => Number(candidate.dataset.start) <= offset).at(-1);
        return [segment.firstChild, offset - Number(segment.dataset.start)];
      };
      const range = document.createRange();
      range.setStart(...at(start));
      range.setEnd(...at(end));
      const rects = Array.from(range.getClientRects());
      const first = rects[0];
      const last = rects.at(-1);
      return { x1: first.left, y1: first.top + first.height / 2, x2: last.right, y2: last.top + last.height / 2 };
    }, [utf16Start, utf16End]);

  // 1. "Ada Lovelace": pick Person first (key 1), then drag over the name with the mouse.
  const ada = "Ada Lovelace";
  const adaStart = text.indexOf(ada);
  await page.keyboard.press("1");
  await page.getByTestId("notice").getByText('"Person" is picked').waitFor();
  const adaRect = await rectOf(adaStart, adaStart + ada.length);
  await page.mouse.move(adaRect.x1 + 1, adaRect.y1);
  await page.mouse.down();
  await page.mouse.move((adaRect.x1 + adaRect.x2) / 2, adaRect.y1, { steps: 4 });
  await page.mouse.move(adaRect.x2 - 1, adaRect.y2, { steps: 4 });
  await page.mouse.up();
  await page.locator('[data-testid="span-row"]').first().waitFor();
  await page.keyboard.press("1"); // disarm Person

  // 2. "Analytical Society": a DOM Range inside the shadow root, then the Organisation key (2).
  const society = "Analytical Society";
  const societyStart = text.indexOf(society);
  await taskText.evaluate((root, [start, end]) => {
    const segments = Array.from(root.querySelectorAll("[data-start]"));
    const at = (offset) => {
      const segment = segments.filter((candidate) => Number(candidate.dataset.start) <= offset).at(-1);
      return [segment.firstChild, offset - Number(segment.dataset.start)];
    };
    const range = document.createRange();
    range.setStart(...at(start));
    range.setEnd(...at(end));
    const selection = root.getRootNode().getSelection?.() ?? document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    root.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  }, [societyStart, societyStart + society.length]);
  await page.keyboard.press("2");
  await page.waitForFunction(() => document.querySelector(".task-panel").shadowRoot.querySelectorAll('[data-testid="span-row"]').length === 2);

  // 3. A relation: click Ada, press r, click the society; then its label works_at (key 4).
  const adaNow = await rectOf(adaStart + 4, adaStart + 8);
  await page.mouse.click((adaNow.x1 + adaNow.x2) / 2, adaNow.y1);
  await page.keyboard.press("r");
  await page.getByTestId("notice").getByText("Click the region this relation points to").waitFor();
  const societyNow = await rectOf(societyStart + 3, societyStart + 8);
  await page.mouse.click((societyNow.x1 + societyNow.x2) / 2, societyNow.y1);
  await page.locator('[data-testid="relation-row"]').waitFor();
  await page.keyboard.press("4");
  await page.locator('[data-testid="relation-row"] input[type="checkbox"]').first().waitFor();
  assert.equal(await page.locator('[data-testid="relation-row"] input[type="checkbox"]').first().isChecked(), true);
  await page.mouse.move(10, 10);
  await page.screenshot({ path: "/tmp/gloss-ner.png" });

  // The ? overlay lists the span keys from the same keymap.
  await page.keyboard.press("?");
  const help = await page.getByTestId("help-overlay").innerText();
  for (const expected of [/label: Person/, /Relate the selected region/, /Undo/, /Delete the selected region/]) assert.match(help, expected);
  await page.keyboard.press("Escape");

  await page.keyboard.press("Enter");
  await page.getByTestId("queue-empty").waitFor();
  const [save] = await page.evaluate(() => window.__glossFake.saves);
  const spans = save.result.filter((item) => item.type === "labels");
  const pySlice = (start, end) => Array.from(text).slice(start, end).join("");
  assert.deepEqual(
    spans.map((item) => [item.value.labels, pySlice(item.value.start, item.value.end), item.value.text]),
    [
      [["PER"], ada, ada],
      [["ORG"], society, society],
    ],
  );
  // Two emoji (one a ZWJ sequence of 3 code points) and a space: 5 code points, 8 UTF-16 units.
  assert.equal(spans[0].value.start, Array.from(text.slice(0, adaStart)).length);
  assert.notEqual(spans[0].value.start, adaStart);
  const relation = save.result.find((item) => item.type === "relation");
  assert.deepEqual(relation, { from_id: spans[0].id, to_id: spans[1].id, type: "relation", direction: "right", labels: ["works_at"] });
  assert.deepEqual(pageErrors, []);
  await page.close();
});
