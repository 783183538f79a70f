/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The production build has one page, index.html. `vite build --mode mock` (used only by
// tests/browser.test.mjs) also builds mock.html, which installs an in-memory fake backend
// through `mockIPC` before loading the app, and writes to dist-mock/ so that a fake backend can
// never end up in the dist/ folder the installer packs.
export default defineConfig(({ mode }) => {
  const isMockBuild = mode === "mock";
  const input: Record<string, string> = isMockBuild
    ? { main: "index.html", mock: "mock.html" }
    : { main: "index.html" };
  return {
    plugins: [react()],
    clearScreen: false,
    envPrefix: ["VITE_", "TAURI_ENV_"],
    server: { port: 1420, strictPort: true, host: "127.0.0.1" },
    build: {
      // WebKitGTK / WKWebView (Safari 15+) and WebView2 (Chromium 105+) are the targets.
      target: ["es2021", "chrome105", "safari15"],
      outDir: isMockBuild ? "dist-mock" : "dist",
      emptyOutDir: true,
      rollupOptions: {
        input,
      },
    },
    test: {
      environment: "jsdom",
      include: ["src/**/*.test.{ts,tsx}"],
      // A hang guard, not a speed check: on a busy 2-core machine, with test files running in
      // parallel, rendering the whole app and waiting for it took over vitest's default 5 s.
      testTimeout: 20_000,
    },
  };
});
