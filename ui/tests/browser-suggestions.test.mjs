// Suggestions in real Chromium against the fake suggestions backend (src/mock/suggestions/):
// switch the queue to lowest confidence first, accept a suggestion with K, edit another one and
// submit it (K no longer accepts), label a task without a suggestion, check the ? overlay lists
// the key, and open the pre-label report. Checks what the fake backend received: the queue order
// and every save's `from_prediction` (the core decides accepted vs corrected from it). Leaves a
// screenshot at /tmp/gloss-suggestions.png and one of the report at /tmp/gloss-suggestions-report.png.
import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { buildMockEntry, closeAll, launchChromium, serveDirectory } from "./mockHarness.mjs";

const entryPath = "src/mock/suggestions/suggestions-mock.html";
const screenshotPath = process.env.GLOSS_SUGGESTIONS_SCREENSHOT ?? "/tmp/gloss-suggestions.png";

let server;
let browser;
let baseUrl;

before(async () => {
  const distDir = await buildMockEntry("dist-suggestions-mock", "suggestions", entryPath);
  ({ server, baseUrl } = await serveDirectory(distDir));
  browser = await launchChromium();
});

after(() => closeAll(server, browser));

test("accept a suggestion by key, correct another, order the queue by confidence, read the report", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const saves = () => page.evaluate(() => window.__glossSuggestionsFake.saves);
  const banner = page.getByTestId("suggestion-banner");
  const taskText = page.getByTestId("task-text");

  await page.goto(`${baseUrl}/${entryPath}`);
  await page.getByTestId("open-demo").click();
  await taskText.waitFor();
  // Import order: task 1 first, pre-filled with its suggestion.
  assert.match(await taskText.innerText(), /Great battery/);
  assert.match(await banner.innerText(), /Suggested by gpt-4o-mini@prompt-v1, confidence 0\.82 — press K to accept/);
  assert.equal(await page.getByTestId("choice-Positive").getAttribute("aria-pressed"), "true");

  // Lowest confidence first: the core's order (the fake's copy of it) puts task 2 (0.31) first.
  await page.getByTestId("queue-order").selectOption("lowest_confidence_first");
  await page.waitForFunction(() => document.querySelector('[data-testid="suggestion-banner"]')?.textContent?.includes("builtin-logreg@t40"));
  assert.match(await taskText.innerText(), /It works, I suppose/);
  assert.match(await banner.innerText(), /builtin-logreg@t40 \(builtin\), confidence 0\.31/);
  assert.equal(await page.getByTestId("choice-Negative").getAttribute("aria-pressed"), "true");
  const calls = await page.evaluate(() => window.__glossSuggestionsFake.calls);
  assert.ok(
    calls.some((call) => call.command === "next_task_in_order" && call.args.order === "lowest_confidence_first"),
    JSON.stringify(calls.map((call) => call.command)),
  );

  // Task 2: change the label (the suggestion becomes the annotator's own); K does nothing now,
  // Enter submits it, still naming the prediction.
  await page.getByTestId("choice-Neutral").click();
  assert.equal(await banner.getAttribute("data-edited"), "true");
  assert.match(await banner.innerText(), /this answer is yours now/);
  await page.screenshot({ path: screenshotPath });
  await page.keyboard.press("k");
  await page.waitForTimeout(200);
  assert.equal((await saves()).length, 0, "K does not accept an edited suggestion");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.__glossSuggestionsFake.saves.length === 1);

  // Next in the same order: task 1 (0.82). K accepts it as suggested.
  await taskText.filter({ hasText: "Great battery" }).waitFor();
  assert.equal(await banner.getAttribute("data-edited"), "false");
  await page.keyboard.press("k");
  await page.waitForFunction(() => window.__glossSuggestionsFake.saves.length === 2);

  // Task 3 has no suggestion: no banner; it is labelled the usual way.
  await taskText.filter({ hasText: "Arrived on Tuesday" }).waitFor();
  assert.equal(await banner.count(), 0);
  await page.keyboard.press("1");
  await page.keyboard.press("Enter");
  await page.getByTestId("queue-empty").waitFor();

  const received = await saves();
  assert.deepEqual(
    received.map((save) => [save.task_id, save.status, save.result[0].value.choices, save.from_prediction ?? null]),
    [
      [2, "submitted", ["Neutral"], "pred-2"],
      [1, "submitted", ["Positive"], "pred-1"],
      [3, "submitted", ["Positive"], null],
    ],
  );

  // The ? overlay lists the accept key.
  await page.keyboard.press("?");
  await page.getByTestId("help-overlay").waitFor();
  assert.match(await page.getByTestId("help-overlay").innerText(), /Accept the model's suggestion as is/);
  await page.keyboard.press("Escape");
  await page.getByTestId("help-overlay").waitFor({ state: "detached" });

  // The pre-label report: the core's numbers in a table; undefined values as "–".
  await page.getByTestId("open-prelabel-report").click();
  const table = page.getByTestId("prelabel-report-table");
  await table.waitFor();
  const rows = await table.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())));
  assert.deepEqual(rows[0].slice(0, 9), ["openai", "gpt-4o-mini@prompt-v1", "v1", "120", "40", "30", "10", "75.0%", "25.0%"]);
  assert.match(rows[0][9], /sentiment: 80\.0% \(κ 0\.688, n 40\)/);
  assert.deepEqual(rows[1].slice(7, 9), ["–", "–"]);
  assert.match(rows[1][9], /sentiment: – \(κ –, n 0\)/);
  await page.screenshot({ path: screenshotPath.replace(/\.png$/, "-report.png") });
  await page.keyboard.press("Escape");
  await page.getByTestId("prelabel-report").waitFor({ state: "detached" });

  assert.deepEqual(pageErrors, []);
  await page.close();
});
