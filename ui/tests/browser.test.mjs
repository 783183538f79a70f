// End-to-end test in real Chromium against the fake backend (mock.html + mockIPC).
//
// Builds with `vite build --mode mock` (into dist-mock/, so the production dist/ never holds the
// fake backend), serves it on 127.0.0.1, drives Debian's /usr/bin/chromium through
// playwright-core (no browser download), labels the three demo tasks with the keyboard and checks
// what the fake backend received. Leaves a screenshot at /tmp/gloss-ui.png.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const uiDir = resolve(fileURLToPath(new URL("..", import.meta.url)));
const distDir = join(uiDir, "dist-mock");
const screenshotPath = process.env.GLOSS_SCREENSHOT ?? "/tmp/gloss-ui.png";
const contentTypes = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

let server;
let browser;
let baseUrl;

before(async () => {
  execFileSync(process.execPath, [join(uiDir, "node_modules/vite/bin/vite.js"), "build", "--mode", "mock", "--logLevel", "warn"], {
    cwd: uiDir,
    stdio: "inherit",
  });
  server = createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    const filePath = normalize(join(distDir, pathname === "/" ? "index.html" : pathname));
    if (!filePath.startsWith(distDir)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(filePath);
      response.writeHead(200, { "content-type": contentTypes[extname(filePath)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolveClose) => (server ? server.close(resolveClose) : resolveClose()));
});

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
