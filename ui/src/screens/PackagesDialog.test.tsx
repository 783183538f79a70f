/**
 * The work-packages dialog against a fake IPC: "Make package…" sends the annotator, the limit and
 * the media choice with the path the save dialog gave and shows the report; a cancelled dialog
 * does nothing; a bad limit disables the button; "Merge package…" shows added / already here /
 * refused with the reasons and tells the screen to refresh; a core refusal is shown as an error.
 * The commands themselves are tested in the core (tests/bundle.rs).
 */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MergeReport } from "../bindings/MergeReport";
import type { PackReport } from "../bindings/PackReport";
import type { PackagesIpc } from "../ipc";
import { PackagesDialog } from "./PackagesDialog";

const packed: PackReport = {
  package: "/tmp/ana.gloss",
  package_uid: "p1",
  package_of: "proj",
  annotator: "ana",
  selection: "all-open",
  tasks: 3,
  annotation_versions: 0,
  gold_answers_left_out: 1,
  media_folder: null,
  media_files_copied: 0,
  media_files_missing: 0,
};

const merged: MergeReport = {
  package: "/tmp/ana.gloss",
  package_uid: "p1",
  annotator: "ana",
  tasks_in_package: 3,
  versions_in_package: 4,
  added: 2,
  already_present: 1,
  refused: [{ uid: "a9", version: 1, task_uid: "t3", annotator: "ana", reason: "does not fit the current config" }],
  annotators_added: ["ana"],
};

function fakeApi(overrides: Partial<PackagesIpc> = {}) {
  const api = {
    make: vi.fn(async () => packed),
    merge: vi.fn(async () => merged),
    pickOut: vi.fn(async () => "/tmp/ana.gloss" as string | null),
    pickPackage: vi.fn(async () => "/tmp/ana.gloss" as string | null),
    ...overrides,
  };
  return api;
}

afterEach(cleanup);

describe("PackagesDialog", () => {
  it("makes a package with the annotator, limit and media choice, and shows the report", async () => {
    const api = fakeApi();
    render(<PackagesDialog api={api} onClose={() => {}} onMerged={() => {}} />);
    const make = screen.getByTestId("package-make") as HTMLButtonElement;
    expect(make.disabled).toBe(true);
    fireEvent.change(screen.getByTestId("package-annotator"), { target: { value: " ana " } });
    fireEvent.change(screen.getByTestId("package-limit"), { target: { value: "3" } });
    fireEvent.click(screen.getByTestId("package-with-media"));
    fireEvent.click(make);
    await waitFor(() => expect(screen.getByTestId("package-packed")).toBeTruthy());
    expect(api.pickOut).toHaveBeenCalledWith("ana");
    expect(api.make).toHaveBeenCalledWith("ana", "/tmp/ana.gloss", 3, true);
    expect(screen.getByTestId("package-packed").textContent).toContain("Packed 3 task(s) for ana");
    expect(screen.getByTestId("package-packed").textContent).toContain("1 gold answer(s) left out");
  });

  it("does nothing when the save dialog is cancelled, and refuses a bad limit", async () => {
    const api = fakeApi({ pickOut: vi.fn(async () => null) });
    render(<PackagesDialog api={api} onClose={() => {}} onMerged={() => {}} />);
    fireEvent.change(screen.getByTestId("package-annotator"), { target: { value: "ana" } });
    fireEvent.change(screen.getByTestId("package-limit"), { target: { value: "2.5" } });
    expect((screen.getByTestId("package-make") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId("package-limit"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("package-make"));
    await waitFor(() => expect(api.pickOut).toHaveBeenCalled());
    expect(api.make).not.toHaveBeenCalled();
    expect(screen.queryByTestId("package-packed")).toBeNull();
  });

  it("merges a package, lists the refused versions with why, and asks the screen to refresh", async () => {
    const api = fakeApi();
    const onMerged = vi.fn();
    render(<PackagesDialog api={api} onClose={() => {}} onMerged={onMerged} />);
    fireEvent.click(screen.getByTestId("package-merge"));
    await waitFor(() => expect(screen.getByTestId("package-merged")).toBeTruthy());
    expect(api.merge).toHaveBeenCalledWith("/tmp/ana.gloss");
    expect(onMerged).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("package-merged").textContent).toContain("2 added · 1 already here · 1 refused");
    expect(screen.getByTestId("package-refused").textContent).toContain("does not fit the current config");
  });

  it("shows the core's refusal of a foreign package", async () => {
    const api = fakeApi({
      merge: vi.fn(async () => {
        throw { code: "bad_input", message: "foreign.gloss: this package was made from another project" };
      }),
    });
    const onMerged = vi.fn();
    render(<PackagesDialog api={api} onClose={() => {}} onMerged={onMerged} />);
    fireEvent.click(screen.getByTestId("package-merge"));
    await waitFor(() => expect(screen.getByTestId("package-error")).toBeTruthy());
    expect(screen.getByTestId("package-error").textContent).toContain("another project");
    expect(onMerged).not.toHaveBeenCalled();
  });

  it("keeps keys away from the task behind it and closes on Escape", () => {
    const onClose = vi.fn();
    const behind = vi.fn();
    window.addEventListener("keydown", behind);
    render(<PackagesDialog api={fakeApi()} onClose={onClose} onMerged={() => {}} />);
    fireEvent.keyDown(window, { key: "1" });
    expect(behind).not.toHaveBeenCalled();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
    window.removeEventListener("keydown", behind);
  });
});
