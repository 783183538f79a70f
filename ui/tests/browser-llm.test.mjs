// End-to-end check of the LLM-feedback renderers in real Chromium, against the fake LLM backend
// (src/modalities/llm/mock/). Builds only that entry into dist-llm-mock/ with the project's vite
// config, serves it on 127.0.0.1, drives /usr/bin/chromium through playwright-core, labels one
// task with keys and a drag, and checks what the fake backend received and that the hostile
// HTML neither ran nor loaded anything; then labels the chat__chat_rlhf.xml project (select the
// assistant message, rate it, choose its relevance, add a message, submit). Leaves screenshots at
// /tmp/gloss-llm.png and /tmp/gloss-llm-chat.png.
import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { buildMockEntry, closeAll, launchChromium, serveDirectory } from "./mockHarness.mjs";

const entryPath = "src/modalities/llm/mock/llm-mock.html";
const screenshotPath = process.env.GLOSS_LLM_SCREENSHOT ?? "/tmp/gloss-llm.png";

let server;
let browser;
let baseUrl;

before(async () => {
  const distDir = await buildMockEntry("dist-llm-mock", "llm", entryPath);
  ({ server, baseUrl } = await serveDirectory(distDir));
  browser = await launchChromium();
});

after(() => closeAll(server, browser));

test("compare, rate, rank and submit an LLM-feedback task", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  const foreignRequests = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(baseUrl) && !url.startsWith("data:")) foreignRequests.push(url);
  });

  await page.goto(`${baseUrl}/${entryPath}`);
  await page.getByTestId("open-demo").click();
  const left = page.getByTestId("pairwise-left");
  await left.waitFor();

  // Chat: three messages, the hostile one as text.
  assert.deepEqual(await page.locator(".llm-message").evaluateAll((nodes) => nodes.map((node) => node.dataset.role)), ["user", "assistant", "user"]);
  assert.match(await page.locator(".llm-message").nth(2).textContent(), /<img src=x onerror=/);

  // Pairwise with the global keys: → then ← (the last one wins).
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.getByTestId("pairwise-right").getAttribute("aria-checked"), "true");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await left.getAttribute("aria-checked"), "true");

  // One rating next to each answer: 4 for the left one, 2 for the right one. (Clicks, because
  // the text modality's Rating, when registered, takes precedence over this modality's focus-keyed
  // one, and their keys differ; the jsdom tests cover the focus keys.)
  await page.getByTestId("rating-rating_left").locator("button").nth(3).click();
  await page.getByTestId("rating-rating_right").locator("button").nth(1).click();

  // Ranker: keyboard move into the first bucket, then a pointer drag into the second one.
  await page.locator('[data-rank-item="llama_model"]').focus();
  await page.keyboard.press("Alt+ArrowRight");
  const cobra = page.locator('[data-rank-item="cobra_ai"]');
  const biased = page.locator('section[data-column="biased_results"]');
  await cobra.scrollIntoViewIfNeeded();
  const from = await cobra.boundingBox();
  const to = await biased.boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2 + 5, { steps: 3 });
  await page.mouse.move(to.x + to.width / 2, to.y + to.height - 10, { steps: 8 });
  await page.mouse.up();
  assert.deepEqual(
    await biased.locator("[data-rank-item]").evaluateAll((nodes) => nodes.map((node) => node.dataset.rankItem)),
    ["cobra_ai"],
  );

  // The ? overlay lists the focus keys.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("?");
  const focusKeys = page.getByTestId("focus-keys");
  await focusKeys.waitFor();
  assert.match(await focusKeys.textContent(), /rank: move the focused item to the previous \/ next column/);
  await page.keyboard.press("Escape");

  await page.screenshot({ path: screenshotPath, fullPage: true });

  await page.keyboard.press("Enter");
  await page.waitForFunction(() => (window.__glossLlmFake?.saves.length ?? 0) > 0);
  const [save] = await page.evaluate(() => window.__glossLlmFake.saves);
  const byName = Object.fromEntries(save.result.map((item) => [item.from_name, item]));
  assert.deepEqual(
    { to_name: byName.comparison.to_name, type: byName.comparison.type, value: byName.comparison.value },
    { to_name: "answer1,answer2", type: "pairwise", value: { selected: "left" } },
  );
  assert.deepEqual(byName.rating_left.value, { rating: 4 });
  assert.deepEqual(byName.rating_right.value, { rating: 2 });
  assert.deepEqual(byName.rank.value.ranker, {
    answers: ["opossum_logic", "puma_intelligence"],
    relevant_results: ["llama_model"],
    biased_results: ["cobra_ai"],
  });

  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("evaluate one chat message and add a message (chat__chat_rlhf.xml)", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${baseUrl}/${entryPath}?project=chat`);
  await page.getByTestId("open-demo").click();
  const assistant = page.locator('[data-region="chat:1"]');
  await assistant.waitFor();

  // Nothing selected: the hint view shows and the per-message evaluation does not.
  await page.getByText("Click on a message to evaluate").waitFor();
  assert.equal(await page.getByTestId("per-region-assistant_response_accuracy").count(), 0);

  // Keys from the window: Alt+↓ selects the first message (a user one: still no evaluation),
  // Alt+↓ again the assistant's.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Alt+ArrowDown");
  assert.equal(await page.locator('[data-region="chat:0"]').getAttribute("aria-selected"), "true");
  assert.equal(await page.getByTestId("per-region-assistant_response_accuracy").count(), 0);
  await page.keyboard.press("Alt+ArrowDown");
  assert.equal(await assistant.getAttribute("aria-selected"), "true");

  // Rate it and choose its relevance (clicks), then the whole conversation's rating.
  const accuracy = page.getByTestId("rating-assistant_response_accuracy");
  await accuracy.locator("button").nth(3).click();
  await page.getByTestId("choice-Somewhat relevant").click();
  await page.getByTestId("rating-rating").locator("button").nth(4).click();

  // Clicking the message again clears the selection; clicking it selects it again.
  await assistant.click();
  await page.getByText("Click on a message to evaluate").waitFor();
  await assistant.click();
  assert.equal(await accuracy.locator('[aria-checked="true"]').count(), 1);

  // Add a user message by Ctrl+Enter: it is added (and selected), the task is not submitted.
  await page.getByTestId("composer-role").selectOption("user");
  await page.getByTestId("composer-text").fill("Thanks! And how many reviewers per task?");
  await page.getByTestId("composer-text").press("Control+Enter");
  const added = page.locator('[data-added="true"]');
  await added.waitFor();
  assert.match(await added.textContent(), /how many reviewers per task/);
  assert.equal(await page.evaluate(() => window.__glossLlmFake.saves.length), 0);
  assert.equal(await page.getByTestId("chat-count").textContent(), "3 messages (at least 2)");

  await page.screenshot({ path: (process.env.GLOSS_LLM_SCREENSHOT ?? "/tmp/gloss-llm.png").replace(/\.png$/, "-chat.png"), fullPage: true });
  await page.getByTestId("submit").click();
  await page.waitForFunction(() => (window.__glossLlmFake?.saves.length ?? 0) > 0);
  const [save] = await page.evaluate(() => window.__glossLlmFake.saves);
  assert.equal(save.status, "submitted");
  const items = (name) => save.result.filter((item) => item.from_name === name);
  assert.deepEqual(items("assistant_response_accuracy").map((item) => [item.id, item.to_name, item.value]), [["chat:1", "chat", { rating: 4 }]]);
  assert.deepEqual(items("relevance").map((item) => [item.id, item.value]), [["chat:1", { choices: ["Somewhat relevant"] }]]);
  assert.deepEqual(items("rating").map((item) => item.value), [{ rating: 5 }]);
  const [message] = items("chat");
  assert.equal(message.type, "chatmessage");
  assert.equal(message.to_name, "chat");
  assert.equal(message.value.chatmessage.role, "user");
  assert.equal(message.value.chatmessage.content, "Thanks! And how many reviewers per task?");
  assert.equal(typeof message.value.chatmessage.timestamp, "number");
  assert.equal(typeof message.id, "string");
  assert.deepEqual(pageErrors, []);
  await page.close();
});
