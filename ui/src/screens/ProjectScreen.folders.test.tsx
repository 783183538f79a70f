/**
 * "Import folder…" on the project screen (issue 4): the directory picker, the "watch this folder"
 * choice sent to `import_folder`, the report with refused files by name, and the watcher's
 * `tasks-added` event refreshing the progress. IPC and events are mocked; the command itself is
 * tested in the core (tests/import_folder.rs, tests/watch.rs).
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import type { FolderImportReport } from "../bindings/FolderImportReport";
import { FakeBackend } from "../mock/fakeBackend";

let backend: FakeBackend;
let folderImports: Record<string, unknown>[];
let directoryPicks: number;
let watched: string[];
let unwatched: string[];

const report: FolderImportReport = {
  folder: "/data/scans",
  field: "image",
  imported: 3,
  skipped: 1,
  already_imported: 2,
  ignored: 4,
  errors: [{ line: 2, file: "b/broken.jpg", message: "the JPEG is truncated" }],
  watched: true,
};

beforeEach(() => {
  backend = new FakeBackend();
  folderImports = [];
  directoryPicks = 0;
  watched = ["/data/old-scans"];
  unwatched = [];
  mockIPC(
    (command, args) => {
      const record = (args ?? {}) as Record<string, unknown>;
      if (command === "plugin:dialog|open") {
        const options = record.options as { directory?: boolean } | undefined;
        if (options?.directory === true) {
          directoryPicks += 1;
          return "/data/scans";
        }
      }
      if (command === "watched_folders") return watched;
      if (command === "unwatch_folder") {
        unwatched.push(String(record.path));
        watched = watched.filter((folder) => folder !== record.path);
        return true;
      }
      if (command === "import_folder") {
        folderImports.push(record);
        return report;
      }
      return backend.handle(command, record);
    },
    { shouldMockEvents: true },
  );
});

afterEach(() => {
  cleanup();
  clearMocks();
});

async function openDemo() {
  render(<App />);
  // Generous waits: the machine may be busy (other test files run in parallel).
  fireEvent.click(await screen.findByTestId("open-demo", {}, { timeout: 5000 }));
  await screen.findByTestId("import-folder", {}, { timeout: 5000 });
}

describe("Import folder", () => {
  it("asks for a folder, sends the watch choice and shows the refused files", async () => {
    await openDemo();
    fireEvent.click(screen.getByTestId("import-folder"));
    await screen.findByTestId("import-folder-dialog");
    expect((screen.getByTestId("import-folder-start") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("choose-folder"));
    expect((await screen.findByTestId("chosen-folder")).textContent).toBe("/data/scans");
    expect(directoryPicks).toBe(1);

    fireEvent.click(screen.getByTestId("watch-folder"));
    fireEvent.click(screen.getByTestId("import-folder-start"));

    const shown = await screen.findByTestId("folder-import-report");
    expect(folderImports).toEqual([{ path: "/data/scans", watch: true }]);
    expect(shown.textContent).toContain("3 imported");
    expect(shown.textContent).toContain("1 refused");
    expect(shown.textContent).toContain("b/broken.jpg");
    expect(shown.textContent).toContain("Watching /data/scans");

    act(() => {
      fireEvent.keyDown(window, { key: "Escape" });
    });
    await waitFor(() => expect(screen.queryByTestId("folder-import-report")).toBeNull());
  });

  it("lists the watched folders and stops watching one", async () => {
    await openDemo();
    fireEvent.click(screen.getByTestId("import-folder"));
    const list = await screen.findByTestId("watched-folders");
    expect(list.textContent).toContain("/data/old-scans");
    fireEvent.click(screen.getByText("Stop watching"));
    await waitFor(() => expect(screen.queryByTestId("watched-folders")).toBeNull());
    expect(unwatched).toEqual(["/data/old-scans"]);
    expect(folderImports).toEqual([]);
  });

  it("cancelling the dialog imports nothing", async () => {
    await openDemo();
    fireEvent.click(screen.getByTestId("import-folder"));
    await screen.findByTestId("import-folder-dialog");
    fireEvent.click(screen.getByText("Cancel"));
    await waitFor(() => expect(screen.queryByTestId("import-folder-dialog")).toBeNull());
    expect(folderImports).toEqual([]);
  });

  it("refreshes the progress when a watched folder's files became tasks", async () => {
    await openDemo();
    const overviewsBefore = backend.calls.filter((command) => command === "project_overview").length;
    await act(async () => {
      await emit("tasks-added", { ...report, imported: 2 });
    });
    const notice = await screen.findByTestId("watch-notice");
    expect(notice.textContent).toContain("2 new task(s) from /data/scans");
    expect(notice.textContent).toContain("1 file(s) refused (b/broken.jpg: the JPEG is truncated)");
    await waitFor(() =>
      expect(backend.calls.filter((command) => command === "project_overview").length).toBeGreaterThan(overviewsBefore),
    );
  });

  it("says when the folder watcher has a problem", async () => {
    await openDemo();
    await act(async () => {
      await emit("folder-watch-problem", { code: "io", message: "/data/scans: No such file or directory" });
    });
    const notice = await screen.findByTestId("watch-notice");
    expect(notice.textContent).toContain("Folder watch: /data/scans: No such file or directory");
  });
});
