// The pre-labelling dialogs in real Chromium, on the mock build (mock.html) with the
// pre-labelling commands answered by a fake installed in the page: a key typed into the
// settings and saved with Enter (afterwards only "stored in the keychain" shows, and the key is
// nowhere in the page), settings saved and a connection tested, then a run started from the
// Pre-label dialog whose `prelabel-progress` events (sent through Tauri's mocked callbacks)
// drive the progress bar and counts, and cancelled. Leaves a screenshot at
// /tmp/gloss-prelabel.png.
import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { buildMockEntry, closeAll, launchChromium, serveDirectory } from "./mockHarness.mjs";

const screenshotPath = process.env.GLOSS_PRELABEL_SCREENSHOT ?? "/tmp/gloss-prelabel.png";
const PLANTED_KEY = "sk-browser-planted-key-9a8b7c6d5e4f";

let server;
let browser;
let baseUrl;

before(async () => {
  const distDir = await buildMockEntry("dist-prelabel-mock", "mock", "mock.html");
  ({ server, baseUrl } = await serveDirectory(distDir));
  browser = await launchChromium();
});

after(() => closeAll(server, browser));

/** Runs in the page: answers the pre-labelling commands, hands the rest to the fake backend. */
function installPrelabelFake() {
  const variables = { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY", azure: "AZURE_OPENAI_API_KEY" };
  const fake = {
    sources: { openai: "none", anthropic: "environment", azure: "none" },
    keysReceived: [],
    settings: {
      provider: "openai",
      base_url: null,
      model: null,
      azure_api_version: null,
      proxy: null,
      ca_certificate_path: null,
      concurrency: 4,
      requests_per_minute: null,
      tokens_per_minute: null,
      timeout_secs: 120,
      structured_output: false,
      price_in_per_million: null,
      price_out_per_million: null,
    },
    listeners: [],
    requests: [],
    running: false,
    cancels: 0,
  };
  const status = (provider) => ({
    provider,
    source: fake.sources[provider],
    environment_variable: variables[provider],
    keychain_unavailable_reason: null,
  });
  const backend = window.__glossFake;
  const original = backend.handle.bind(backend);
  backend.handle = (command, args) => {
    switch (command) {
      case "plugin:event|listen":
        if (args.event !== "prelabel-progress") return original(command, args);
        fake.listeners.push(args.handler);
        return fake.listeners.length;
      case "plugin:event|unlisten":
        return null;
      case "prelabel_settings":
        return fake.settings;
      case "save_prelabel_settings":
        if (args.settings.concurrency < 1 || args.settings.concurrency > 64) {
          throw { code: "bad_input", message: "setting concurrency: must be 1 to 64" };
        }
        fake.settings = args.settings;
        return fake.settings;
      case "key_status":
        return status(args.provider);
      case "set_key":
        // Kept only as "a key arrived", to check what crossed; never answered back.
        fake.keysReceived.push([args.provider, args.key.length]);
        fake.sources[args.provider] = "keychain";
        return status(args.provider);
      case "remove_key":
        fake.sources[args.provider] = "none";
        return status(args.provider);
      case "test_prelabel_connection":
        return { provider: fake.settings.provider, base_url: "http://127.0.0.1:11434/v1", model: fake.settings.model ?? "", n_models_listed: 3, model_listed: true };
      case "latest_prelabel_prompt_version":
        return 2;
      case "prelabel_run_status":
        return null;
      case "start_prelabel_run":
        if (fake.running) throw { code: "bad_input", message: "A pre-labelling run is already going" };
        fake.running = true;
        fake.requests.push(args.request);
        return null;
      case "cancel_prelabel_run":
        fake.cancels += 1;
        return fake.running;
      default:
        return original(command, args);
    }
  };
  window.__prelabelFake = fake;
}

/** Sends one `prelabel-progress` event to every listener, as the shell's emit would. */
function emitProgress(page, payload) {
  return page.evaluate((event) => {
    const fake = window.__prelabelFake;
    if (event.status !== "running") fake.running = false;
    for (const handler of fake.listeners) {
      window.__TAURI_INTERNALS__.runCallback(handler, { event: "prelabel-progress", id: handler, payload: event });
    }
  }, payload);
}

function progress(change) {
  return {
    status: "running",
    provider: "openai",
    model: "llama3.1",
    n_planned: 10,
    n_done: 0,
    n_predicted: 0,
    n_refused: 0,
    n_failed: 0,
    tokens_in: 0,
    tokens_out: 0,
    tasks_per_second: 0,
    estimated_cost: null,
    message: null,
    model_version: null,
    ...change,
  };
}

test("settings with a key, then a run whose events drive the bar, then cancel", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${baseUrl}/mock.html`);
  await page.waitForFunction(() => window.__glossFake !== undefined);
  await page.evaluate(installPrelabelFake);
  await page.getByTestId("open-demo").click();
  await page.getByTestId("prelabel-settings-open").click();

  // Keys: status only; a key typed and saved with Enter never comes back.
  const openaiStatus = page.getByTestId("key-status-openai");
  await page.waitForFunction(() => document.querySelector('[data-testid="key-status-openai"]')?.textContent === "Key: none");
  assert.equal(await page.getByTestId("key-status-anthropic").textContent(), "Key: from ANTHROPIC_API_KEY");
  const keyInput = page.getByTestId("key-input-openai");
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute("data-testid")),
    "key-input-openai",
    "focus starts on the first key field",
  );
  assert.equal(await keyInput.getAttribute("type"), "password");
  await keyInput.fill(PLANTED_KEY);
  await keyInput.press("Enter");
  await page.waitForFunction(
    () => document.querySelector('[data-testid="key-status-openai"]')?.textContent === "Key: stored in the keychain",
  );
  assert.equal(await openaiStatus.textContent(), "Key: stored in the keychain");
  assert.equal(await keyInput.inputValue(), "");
  assert.deepEqual(await page.evaluate(() => window.__prelabelFake.keysReceived), [["openai", PLANTED_KEY.length]]);
  assert.ok(!(await page.content()).includes(PLANTED_KEY), "the key is in the page");

  // Settings: a local server, a proxy, limits and prices, saved and tested.
  await page.getByTestId("settings-base-url").fill("http://127.0.0.1:11434/v1");
  await page.getByTestId("settings-model").fill("llama3.1");
  await page.getByTestId("settings-proxy").fill("http://proxy.example:3128");
  await page.getByTestId("settings-concurrency").fill("500");
  await page.getByTestId("settings-save").click();
  assert.equal(await page.getByTestId("settings-problem").textContent(), "setting concurrency: must be 1 to 64");
  await page.getByTestId("settings-concurrency").fill("8");
  await page.getByTestId("settings-price-in").fill("0.15");
  await page.getByTestId("settings-test").click();
  const connection = page.getByTestId("connection-result");
  await connection.waitFor();
  assert.match(await connection.textContent(), /3 model\(s\) listed, including llama3\.1/);
  const saved = await page.evaluate(() => window.__prelabelFake.settings);
  assert.equal(saved.base_url, "http://127.0.0.1:11434/v1");
  assert.equal(saved.proxy, "http://proxy.example:3128");
  assert.equal(saved.concurrency, 8);
  assert.equal(saved.price_in_per_million, 0.15);
  await page.keyboard.press("Escape");
  await page.getByTestId("prelabel-settings").waitFor({ state: "detached" });

  // The run dialog starts from the saved model and the newest prompt version.
  await page.getByTestId("prelabel-open").click();
  const model = page.getByTestId("run-model");
  await page.waitForFunction(() => document.querySelector('[data-testid="run-model"]')?.value === "llama3.1");
  assert.equal(await page.getByTestId("run-prompt-version").inputValue(), "2");
  // Keyboard: focus starts in the dialog and Tab walks its fields.
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
  assert.equal(await focused(), "run-provider");
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "run-model");
  await page.getByTestId("run-limit").fill("10");
  await page.getByTestId("run-start").click();
  await page.waitForFunction(() => window.__prelabelFake.requests.length === 1);
  assert.deepEqual(await page.evaluate(() => window.__prelabelFake.requests[0]), {
    provider: "openai",
    model: "llama3.1",
    base_url: null,
    prompt_version: 2,
    limit: 10,
  });

  await emitProgress(page, progress({}));
  const bar = page.getByTestId("run-progress-bar");
  await bar.waitFor();
  assert.equal(await bar.evaluate((node) => node.value), 0);
  assert.ok(await model.isDisabled(), "the form is locked while the run goes");
  await emitProgress(
    page,
    progress({ n_done: 4, n_predicted: 3, n_refused: 1, tokens_in: 4800, tokens_out: 600, tasks_per_second: 2.5, estimated_cost: 0.00072 }),
  );
  await page.waitForFunction(() => document.querySelector('[data-testid="run-progress-bar"]')?.value === 40);
  assert.equal(
    await page.getByTestId("run-counts").textContent(),
    "4 of 10 tasks · 3 predicted · 1 refused · 0 failed · 2.5 tasks/s · 5,400 tokens · about 0.0007 estimated cost",
  );
  await page.screenshot({ path: screenshotPath });

  await page.getByTestId("run-cancel").click();
  await page.waitForFunction(() => window.__prelabelFake.cancels === 1);
  await emitProgress(page, progress({ status: "cancelled", n_done: 5, n_predicted: 4, n_refused: 1 }));
  await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.startsWith("Cancelled"));
  assert.equal(await bar.evaluate((node) => node.value), 50);
  assert.ok(!(await model.isDisabled()), "the form is usable again");
  await page.getByTestId("run-start").waitFor();
  assert.deepEqual(pageErrors, []);
  await page.close();
});
