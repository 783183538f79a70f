//! End-to-end test of watched folders in the real window: a project (made with the core
//! library) watches a folder of images. A file added while the app was closed is a task when it
//! opens (reconcile on the watcher's thread), and a file written while the app is open becomes a
//! task on its own: the shell's watcher imports it and the `tasks-added` event refreshes the
//! progress on screen, with no click. Then the `import_folder` command the "Import folder…"
//! dialog calls is invoked as the UI invokes it (the native directory picker itself cannot be
//! driven through WebDriver) and its report checked. The dialog lists the watched folder and
//! "Stop watching" stops it: a file written afterwards stays out.
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use gloss::Project;
use gloss::io::import::folder::{FolderImportOptions, import_folder};

use common::{TIMEOUT, TestResult};

const SCREENSHOT: &str = "gloss-e2e-folders.png";

const CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <Choices name="kind" toName="image"><Choice value="cat"/><Choice value="dog"/></Choices>
</View>"#;

/// A 2 × 2 red PNG (made with Python's zlib; `gloss import` reads it).
const PNG: [u8; 73] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xFD, 0xD4, 0x9A,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0x00,
    0x44, 0x0C, 0x10, 0x0A, 0x00, 0x1F, 0xEE, 0x03, 0xFD, 0x8B, 0x5F, 0x14, 0xD4, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Waits until the header's progress text contains `wanted`.
async fn wait_for_progress(
    client: &Client,
    wanted: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css("[data-testid=progress]")).await {
            let text = element.text().await?;
            if text.contains(wanted) {
                return Ok(text);
            }
            if started.elapsed() > TIMEOUT {
                return Err(format!("the progress says {text:?}, never {wanted:?}").into());
            }
        } else if started.elapsed() > TIMEOUT {
            return Err("no progress on screen".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn watch_and_import(client: &Client, folder: &Path, other_folder: &Path) -> TestResult {
    // first.png was imported before, second.png appeared while the app was closed.
    wait_for_progress(client, "0 of 2 done").await?;
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=import-folder]"))
        .await?;
    std::fs::write(folder.join("third.png"), PNG)?;
    let text = wait_for_progress(client, "0 of 3 done").await?;
    eprintln!("e2e: after writing third.png the progress says {text:?}");
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }

    // The dialog lists the watched folder; stopping it means new files no longer become tasks.
    client
        .find(Locator::Css("[data-testid=import-folder]"))
        .await?
        .click()
        .await?;
    let list = client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=watched-folders]"))
        .await?;
    let listed = list.text().await?;
    assert!(listed.contains("incoming"), "{listed}");
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, "gloss-e2e-folders-dialog.png");
    }
    client
        .find(Locator::XPath(
            "//button[normalize-space()='Stop watching']",
        ))
        .await?
        .click()
        .await?;
    let started = Instant::now();
    while client
        .find(Locator::Css("[data-testid=watched-folders]"))
        .await
        .is_ok()
    {
        if started.elapsed() > TIMEOUT {
            return Err("the watched folder is still listed after Stop watching".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
        .find(Locator::XPath("//button[normalize-space()='Cancel']"))
        .await?
        .click()
        .await?;
    std::fs::write(folder.join("fourth.png"), PNG)?;

    let script = "const done = arguments[arguments.length - 1]; \
        window.__TAURI_INTERNALS__.invoke('import_folder', { path: arguments[0], watch: false }) \
          .then(done, (error) => done({ failed: error }));";
    let report = client
        .execute_async(script, vec![other_folder.display().to_string().into()])
        .await?;
    eprintln!("e2e: import_folder replied {report}");
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["skipped"], 1, "{report}");
    assert_eq!(report["errors"][0]["file"], "empty.png", "{report}");
    // Longer than the watcher's debounce window: fourth.png, written after the folder stopped
    // being watched, must not become a task (checked in the project file afterwards).
    tokio::time::sleep(gloss::watch::DEFAULT_DEBOUNCE * 2).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_folder_adds_tasks_while_the_app_is_open() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let project_path = dir.path().join("scans.gloss");
    let folder = dir.path().join("incoming");
    std::fs::create_dir_all(&folder)?;
    std::fs::write(folder.join("first.png"), PNG)?;
    let mut project = Project::create(&project_path, CONFIG, "e2e config", None, None, "e2e")?;
    let options = FolderImportOptions {
        strict: false,
        watch: true,
    };
    import_folder(&mut project, &folder, options, "e2e")?;
    drop(project);
    std::fs::write(folder.join("second.png"), PNG)?;
    let other_folder = dir.path().join("more");
    std::fs::create_dir_all(other_folder.join("nested"))?;
    std::fs::write(other_folder.join("a.png"), PNG)?;
    std::fs::write(other_folder.join("nested/b.png"), PNG)?;
    std::fs::write(other_folder.join("empty.png"), b"")?;

    let window = common::open_app(dir.path(), &[project_path.to_str().unwrap()]).await?;
    let outcome = watch_and_import(&window.client, &folder, &other_folder).await;
    window.finish(outcome, SCREENSHOT).await?;

    let project = Project::open(&project_path)?;
    assert_eq!(project.stats()?.tasks, 5);
    assert!(project.watched_folders()?.is_empty());
    let mut images = Vec::new();
    for task_id in 1..=5 {
        let task = project.task_view(task_id, "e2e")?;
        images.push(task.data["image"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(
        images,
        [
            "incoming/first.png",
            "incoming/second.png",
            "incoming/third.png",
            "more/a.png",
            "more/nested/b.png",
        ]
    );
    Ok(())
}
