// What the Chromium mock tests share: build a mock entry with the project's vite config, serve the
// build on 127.0.0.1 (files only from that folder), and launch Debian's /usr/bin/chromium through
// playwright-core (no browser download). Each test file drives its own page against it.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";

export const uiDir = resolve(fileURLToPath(new URL("..", import.meta.url)));

const contentTypes = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

/** Builds one mock page (`entryPath`, relative to ui/) into `ui/<distName>/`; returns that folder. */
export async function buildMockEntry(distName, entryName, entryPath) {
  const distDir = join(uiDir, distName);
  await build({
    root: uiDir,
    configFile: join(uiDir, "vite.config.ts"),
    mode: "mock",
    logLevel: "warn",
    build: { outDir: distDir, emptyOutDir: true, rollupOptions: { input: { [entryName]: join(uiDir, entryPath) } } },
  });
  return distDir;
}

/** Serves `distDir` on a free loopback port (`/` is index.html); returns the server and its URL. */
export async function serveDirectory(distDir) {
  const server = createServer(async (request, response) => {
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
  return { server, baseUrl: `http://127.0.0.1:${server.address().port}` };
}

/** Headless Chromium with nothing running in the background; `extraArgs` are added. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** Closes what `serveDirectory` and `launchChromium` opened (either may be missing after a failure). */
export async function closeAll(server, browser) {
  await browser?.close();
  await new Promise((resolveClose) => (server ? server.close(resolveClose) : resolveClose()));
}
