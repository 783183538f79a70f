//! End-to-end image test in the real window (issue 4). Part one: a project made with the core
//! library from a folder holding one PNG (written here, 800 × 600) is opened by the app; a box is
//! drawn with a real mouse drag, a polygon by clicks (closed on its first point), one of its
//! vertices dragged, a keypoint placed inside the box and dragged, Enter submits; the COCO export
//! must hold the box, the moved vertex and the moved keypoint (in the box's instance) in pixels.
//! Part two prints figures (never asserted): a 10,000 × 10,000 JPEG (made with ImageMagick's
//! `convert`; skipped with a message without it) whose 1,000 polygons are this annotator's draft,
//! its preview made by the core first as the desktop's worker does after an import — time to the
//! first display (the preview) and to the full image, and frame times while dragging the view,
//! zooming with the wheel and panning with keys, measured in the page with
//! `requestAnimationFrame`. The figures are recorded in docs/PERFORMANCE.md by hand.
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::Client;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use serde_json::{Value, json};

use common::{ENTER, TIMEOUT, TestResult, in_panel, key_of};

const SCREENSHOT: &str = "gloss-e2e-image.png";
const PERF_SCREENSHOT: &str = "gloss-e2e-image-perf.png";

const CONFIG: &str = r#"<View>
  <RectangleLabels name="box" toName="image"><Label value="Car"/><Label value="Person"/></RectangleLabels>
  <PolygonLabels name="outline" toName="image"><Label value="Building"/></PolygonLabels>
  <KeyPointLabels name="point" toName="image"><Label value="Wheel"/></KeyPointLabels>
  <Image name="image" value="$image"/>
</View>"#;

const PERF_CONFIG: &str = r#"<View>
  <PolygonLabels name="outline" toName="image"><Label value="Cell"/><Label value="Nucleus"/></PolygonLabels>
  <Image name="image" value="$image"/>
</View>"#;

const WIDTH: u32 = 800;
const HEIGHT: u32 = 600;
const PERF_SIDE: u32 = 10_000;
const PERF_POLYGONS: usize = 1_000;
/// WebDriver's Escape key.
const ESCAPE: char = '\u{E00C}';

// ---- a PNG written by hand (stored deflate blocks), so the test needs no image library --------

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// An RGB PNG: a light grid on grey with a dark top-left quarter.
fn grid_png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let on_grid = x % 100 == 0 || y % 100 == 0;
            let dark = x < width / 2 && y < height / 2;
            let pixel = match (on_grid, dark) {
                (true, _) => [255, 255, 255],
                (false, true) => [32, 36, 44],
                (false, false) => [138, 160, 184],
            };
            raw.extend_from_slice(&pixel);
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (block_idx, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(block_idx + 1 == blocks.len()));
        let length = block.len() as u16;
        zlib.extend_from_slice(&length.to_le_bytes());
        zlib.extend_from_slice(&(!length).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

// ---- projects ---------------------------------------------------------------------------------

fn make_project(
    dir: &Path,
    config: &str,
    images: &Path,
) -> Result<(gloss::Project, PathBuf), Box<dyn std::error::Error>> {
    let path = dir.join("images.gloss");
    let actor = gloss::cli::local_user_name();
    let mut project =
        gloss::Project::create(&path, config, "e2e_image.rs", Some("Images"), None, &actor)?;
    let options = gloss::io::import::folder::FolderImportOptions {
        strict: true,
        watch: false,
    };
    let report = gloss::io::import::folder::import_folder(&mut project, images, options, &actor)?;
    eprintln!("e2e-image: imported {report:?}");
    Ok((project, path))
}

// ---- the page ---------------------------------------------------------------------------------

/// The image stage's view (`scale`, `x`, `y`: screen = image × scale + offset, in stage
/// pixels), its viewport position, and how many regions it draws; null until it shows.
async fn stage_state(client: &Client) -> Result<Value, Box<dyn std::error::Error>> {
    let body = "const stage = root.querySelector('[data-testid=image-stage]'); \
        if (!stage || !stage.dataset.view) return null; \
        const [scale, x, y] = stage.dataset.view.split(' ').map(Number); \
        const r = stage.getBoundingClientRect(); \
        return { scale, x, y, left: r.left, top: r.top, width: r.width, height: r.height, \
          regions: Number(stage.dataset.regions || 0), loadMs: Number(stage.dataset.loadMs || 0), \
          previewMs: Number(stage.dataset.previewMs || 0), image: stage.dataset.image || '' };";
    in_panel(client, body, vec![]).await
}

async fn wait_for_stage(
    client: &Client,
    regions: usize,
) -> Result<Value, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        // The page may still be loading when the session starts: errors are retried.
        if let Ok(state) = stage_state(client).await
            && state["regions"].as_u64() == Some(regions as u64)
        {
            return Ok(state);
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("the image stage did not show {regions} regions").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The viewport point of an image pixel.
async fn screen_of(
    client: &Client,
    x: f64,
    y: f64,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    // Two frames first: a layout change (the side panel grew) refits the view in a
    // ResizeObserver callback, which runs at the next frame.
    client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
            vec![],
        )
        .await?;
    let state = stage_state(client).await?;
    let number = |key: &str| {
        state[key]
            .as_f64()
            .ok_or_else(|| format!("no {key} in {state}"))
    };
    let scale = number("scale")?;
    Ok((
        number("left")? + number("x")? + x * scale,
        number("top")? + number("y")? + y * scale,
    ))
}

fn move_to((x, y): (f64, f64), millis: u64) -> PointerAction {
    PointerAction::MoveTo {
        duration: Some(Duration::from_millis(millis)),
        x: x.round(),
        y: y.round(),
    }
}

async fn click_image(client: &Client, x: f64, y: f64) -> TestResult {
    let at = screen_of(client, x, y).await?;
    let mouse = MouseActions::new("mouse".to_owned())
        .then(move_to(at, 20))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(mouse).await?;
    client.release_actions().await?;
    Ok(())
}

async fn drag_image(client: &Client, from: (f64, f64), to: (f64, f64)) -> TestResult {
    let start = screen_of(client, from.0, from.1).await?;
    let end = screen_of(client, to.0, to.1).await?;
    let middle = ((start.0 + end.0) / 2.0, (start.1 + end.1) / 2.0);
    let mouse = MouseActions::new("mouse".to_owned())
        .then(move_to(start, 20))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(move_to(middle, 60))
        .then(move_to(end, 60))
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(mouse).await?;
    client.release_actions().await?;
    Ok(())
}

/// Text of a control's region list in the side panel.
async fn region_list(client: &Client, control: &str) -> Result<String, Box<dyn std::error::Error>> {
    let body = "const list = root.querySelector(`[data-testid=\"regions-${arguments[0]}\"]`); \
        return list ? list.textContent : '';";
    Ok(in_panel(client, body, vec![control.into()])
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn notice(client: &Client) -> String {
    let body = "const n = root.querySelector('[data-testid=image-notice]'); return n ? n.textContent : null;";
    match in_panel(client, body, vec![]).await {
        Ok(Value::String(text)) => text,
        _ => String::new(),
    }
}

async fn wait_for_list(client: &Client, control: &str, needle: &str) -> TestResult {
    let started = Instant::now();
    loop {
        let list = region_list(client, control).await?;
        if list.contains(needle) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(5) {
            let notice = notice(client).await;
            return Err(format!("{control}: {needle:?} not in {list:?}; notice {notice:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn press(client: &Client, key: char) -> TestResult {
    common::press(client, key).await?;
    Ok(())
}

async fn label_in_window(client: &Client) -> TestResult {
    let state = wait_for_stage(client, 0).await?;
    eprintln!("e2e-image: stage {state}");

    // 1. A box: the Car key, then a drag from (100, 100) to (300, 250) image px.
    press(client, key_of(client, "label-Car").await?).await?;
    drag_image(client, (100.0, 100.0), (300.0, 250.0)).await?;
    wait_for_list(client, "box", "Car").await?;

    // 2. A polygon: the Building key, four clicks, then a click on the first point closes it.
    press(client, key_of(client, "label-Building").await?).await?;
    for (x, y) in [
        (450.0, 100.0),
        (650.0, 100.0),
        (650.0, 300.0),
        (450.0, 300.0),
    ] {
        click_image(client, x, y).await?;
    }
    click_image(client, 450.0, 100.0).await?;
    wait_for_list(client, "outline", "polygon, 4 points").await?;

    // 3. Put the label down, select the polygon by a click inside it, drag its third vertex.
    press(client, ESCAPE).await?;
    // The screen re-renders after the key: click once the label is down.
    let started = Instant::now();
    while in_panel(
        client,
        "return root.querySelector('[data-testid=label-Building]').getAttribute('aria-pressed');",
        vec![],
    )
    .await?
        != "false"
    {
        if started.elapsed() > Duration::from_secs(5) {
            return Err("Escape did not put the Building label down".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    click_image(client, 550.0, 200.0).await?;
    // React renders the selection after the click: poll the row.
    let started = Instant::now();
    loop {
        let class = in_panel(
            client,
            "const row = root.querySelector('[data-testid=regions-outline] [data-testid=image-region-row]'); \
             return row ? row.className : null;",
            vec![],
        )
        .await?;
        if class
            .as_str()
            .is_some_and(|class| class.contains("selected"))
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(5) {
            return Err(format!(
                "the polygon is not selected: {class}; notice {:?}",
                notice(client).await
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = in_panel(
        client,
        "return root.querySelector('[data-testid=regions-outline]').innerHTML;",
        vec![],
    )
    .await?;
    drag_image(client, (650.0, 300.0), (700.0, 350.0)).await?;
    // The drag is one undoable edit; wait until the state took it (the list re-renders its row).
    let started = Instant::now();
    while in_panel(
        client,
        "return root.querySelector('[data-testid=regions-outline]').innerHTML;",
        vec![],
    )
    .await?
        == before
    {
        if started.elapsed() > Duration::from_secs(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // 4. A keypoint inside the box: the Wheel key and a click at (150, 200); then, with the
    //    label down, a click selects it and a drag moves it to (180, 220) image px.
    press(client, ESCAPE).await?;
    press(client, key_of(client, "label-Wheel").await?).await?;
    click_image(client, 150.0, 200.0).await?;
    wait_for_list(client, "point", "Wheel").await?;
    press(client, ESCAPE).await?;
    let started = Instant::now();
    while in_panel(
        client,
        "return root.querySelector('[data-testid=label-Wheel]').getAttribute('aria-pressed');",
        vec![],
    )
    .await?
        != "false"
    {
        if started.elapsed() > Duration::from_secs(5) {
            return Err("Escape did not put the Wheel label down".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    click_image(client, 150.0, 200.0).await?;
    let started = Instant::now();
    loop {
        let class = in_panel(
            client,
            "const row = root.querySelector('[data-testid=regions-point] [data-testid=image-region-row]'); \
             return row ? row.className : null;",
            vec![],
        )
        .await?;
        if class
            .as_str()
            .is_some_and(|class| class.contains("selected"))
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(5) {
            return Err(format!("the keypoint is not selected: {class}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drag_image(client, (150.0, 200.0), (180.0, 220.0)).await?;
    wait_for_list(client, "point", "at 1").await?;
    let started = Instant::now();
    // The drag is one edit; wait until the row no longer shows the point where it was.
    while in_panel(
        client,
        "return root.querySelector('[data-testid=regions-point]').textContent;",
        vec![],
    )
    .await?
    .as_str()
    .is_none_or(|text| text.contains("at 150, 200"))
    {
        if started.elapsed() > Duration::from_secs(5) {
            return Err("the keypoint drag was not taken".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }

    // A baseline for the figures of part two: the same drag on this small image with two regions.
    drive_frames(
        client,
        "drag",
        30,
        "baseline: drag-pan on the 800 x 600 image with 2 regions",
    )
    .await?;

    // 5. Submit: the stage goes away (no task left).
    press(client, ENTER).await?;
    let started = Instant::now();
    while stage_state(client).await?.is_object() {
        if started.elapsed() > TIMEOUT {
            return Err(format!("Enter did not submit; notice {:?}", notice(client).await).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn near(actual: &Value, expected: f64, what: &str) {
    let value = actual.as_f64().unwrap_or(f64::NAN);
    // A screen pixel is about 1.4 image pixels at this window's fit; WebDriver moves by whole
    // screen pixels.
    assert!(
        (value - expected).abs() <= 3.0,
        "{what}: {value} is not within 3 px of {expected}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draw_a_box_and_a_polygon_then_measure_1000_polygons() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let images = dir.path().join("scans");
    std::fs::create_dir_all(&images)?;
    std::fs::File::create(images.join("street.png"))?.write_all(&grid_png(WIDTH, HEIGHT))?;
    let (project, project_path) = make_project(dir.path(), CONFIG, &images)?;
    drop(project);
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let path_arg = project_path.to_str().ok_or("temporary path is not UTF-8")?;
    let window = common::open_app(&data_dir, &[path_arg]).await?;
    let outcome = label_in_window(&window.client).await;
    window.finish(outcome, SCREENSHOT).await?;
    eprintln!("e2e-image: window part took {:?}", started.elapsed());

    let project = gloss::Project::open(&project_path)?;
    assert_eq!(project.stats()?.annotations.submitted, 1);
    let out = dir.path().join("coco.json");
    let options = gloss::io::ExportOptions {
        format: gloss::io::ExportFormat::Coco,
        out: out.clone(),
        only: None,
        split: None,
        seed: 0,
    };
    let summary = gloss::io::export::export_project(&project, &options)?;
    eprintln!("e2e-image: export {summary:?}");
    let coco: Value = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
    assert_eq!(coco["images"][0]["width"], WIDTH, "{coco}");
    assert_eq!(coco["images"][0]["height"], HEIGHT, "{coco}");
    let category_id = |name: &str| {
        coco["categories"]
            .as_array()
            .and_then(|list| list.iter().find(|category| category["name"] == name))
            .map(|category| category["id"].clone())
    };
    let annotations = coco["annotations"].as_array().ok_or("no annotations")?;
    assert_eq!(annotations.len(), 2, "{coco}");
    let of = |name: &str| {
        annotations
            .iter()
            .find(|annotation| Some(&annotation["category_id"]) == category_id(name).as_ref())
            .ok_or_else(|| format!("no {name} annotation in {coco}"))
    };
    let car = of("Car")?;
    eprintln!("e2e-image: Car {car}");
    for (idx, expected) in [100.0, 100.0, 200.0, 150.0].into_iter().enumerate() {
        near(&car["bbox"][idx], expected, &format!("Car bbox[{idx}]"));
    }
    let building = of("Building")?;
    eprintln!("e2e-image: Building {building}");
    let outline = building["segmentation"][0]
        .as_array()
        .ok_or("no polygon segmentation")?;
    assert_eq!(outline.len(), 8, "{building}");
    for (idx, expected) in [450.0, 100.0, 650.0, 100.0, 700.0, 350.0, 450.0, 300.0]
        .into_iter()
        .enumerate()
    {
        near(
            &outline[idx],
            expected,
            &format!("Building segmentation[{idx}]"),
        );
    }
    // The dragged keypoint joined the Car box's instance (it lies inside it), at its new place.
    assert_eq!(
        coco["categories"][0]["keypoints"],
        json!(["Wheel"]),
        "{coco}"
    );
    eprintln!("e2e-image: Car keypoints {}", car["keypoints"]);
    near(&car["keypoints"][0], 180.0, "dragged keypoint x");
    near(&car["keypoints"][1], 220.0, "dragged keypoint y");
    // Visibility 2: labelled and visible (written as a number like the coordinates).
    assert_eq!(car["keypoints"][2].as_f64(), Some(2.0), "{car}");
    assert_eq!(car["num_keypoints"], 1, "{car}");
    eprintln!(
        "e2e-image: labelling part passed in {:?}",
        started.elapsed()
    );

    measure_1000_polygons(dir.path()).await
}

// ---- part two: figures ------------------------------------------------------------------------

/// 1,000 polygons (6 to 12 points, 40 to 190 px across) spread over the image, in percent.
fn polygons_result() -> Vec<Value> {
    let mut state: u64 = 7;
    let mut random = || {
        state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
        state as f64 / 2_147_483_648.0
    };
    let side = f64::from(PERF_SIDE);
    (0..PERF_POLYGONS)
        .map(|polygon_idx| {
            let (cx, cy) = (
                random() * (side - 400.0) + 200.0,
                random() * (side - 400.0) + 200.0,
            );
            let radius = 40.0 + random() * 150.0;
            let n_points = 6 + (random() * 7.0) as usize;
            let points: Vec<[f64; 2]> = (0..n_points)
                .map(|point_idx| {
                    let angle = point_idx as f64 / n_points as f64 * std::f64::consts::TAU;
                    let r = radius * (0.6 + random() * 0.4);
                    [
                        (cx + angle.cos() * r) / side * 100.0,
                        (cy + angle.sin() * r) / side * 100.0,
                    ]
                })
                .collect();
            json!({
                "id": format!("poly{polygon_idx}"),
                "from_name": "outline",
                "to_name": "image",
                "type": "polygonlabels",
                "original_width": PERF_SIDE,
                "original_height": PERF_SIDE,
                "image_rotation": 0,
                "value": { "points": points, "closed": true,
                  "polygonlabels": [if polygon_idx % 3 == 0 { "Nucleus" } else { "Cell" }] },
            })
        })
        .collect()
}

/// Drives the stage from inside the page, one input event per animation frame (`kind`: "drag"
/// moves the pointer 6 px right and 3 px down a frame with the middle button down (which pans
/// wherever it starts), "wheel" zooms one notch in a frame,
/// "keys" presses the pan-left arrow key once a frame, "idle" does nothing), and answers the frame times
/// (requestAnimationFrame deltas) as p50 / p95 / max. WebDriver's own input actions are not
/// used for this: WebKitWebDriver delivers a whole action sequence before the page paints, so
/// they would time one frame, not the gesture.
async fn drive_frames(client: &Client, kind: &str, frames: u32, what: &str) -> TestResult {
    let script = "const [kind, n] = arguments; const done = arguments[arguments.length - 1]; \
        const host = document.querySelector('.task-panel'); \
        const stage = host.shadowRoot.querySelector('[data-testid=image-stage]'); \
        const content = stage.querySelector('.konvajs-content'); \
        const r = stage.getBoundingClientRect(); \
        let x = r.left + r.width / 2, y = r.top + r.height / 2; \
        const mouse = (type, target) => { const init = { clientX: x, clientY: y, button: 1, \
            buttons: type === 'up' ? 0 : 4, bubbles: true, composed: true, pointerId: 1, pointerType: 'mouse', isPrimary: true }; \
          target.dispatchEvent(new PointerEvent('pointer' + type, init)); \
          target.dispatchEvent(new MouseEvent('mouse' + type, init)); }; \
        const frame = () => new Promise(requestAnimationFrame); \
        (async () => { \
          if (kind === 'drag') { mouse('move', content); mouse('down', content); } \
          const deltas = []; let last = await frame(); \
          for (let i = 0; i < n; i += 1) { \
            if (kind === 'drag') { x += 6; y += 3; mouse('move', content); } \
            else if (kind === 'wheel') content.dispatchEvent(new WheelEvent('wheel', \
              { clientX: x, clientY: y, deltaY: -120, deltaMode: 0, bubbles: true, composed: true, cancelable: true })); \
            else if (kind === 'keys') window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })); \
            const now = await frame(); deltas.push(now - last); last = now; } \
          if (kind === 'drag') mouse('up', window); \
          deltas.sort((a, b) => a - b); \
          const at = (p) => deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * p))]; \
          done({ n: deltas.length, p50: at(0.5), p95: at(0.95), max: deltas[deltas.length - 1], \
            view: stage.dataset.view }); })();";
    let value = client
        .execute_async(script, vec![kind.into(), frames.into()])
        .await?;
    let number = |key: &str| value[key].as_f64().unwrap_or(f64::NAN);
    // Other work on the machine shows in every frame time: say how busy it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!(
        "e2e-image: FIGURE {what}: frame p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms over {} frames \
         (view after: {}; load average {})",
        number("p50"),
        number("p95"),
        number("max"),
        value["n"],
        value["view"],
        load.split_whitespace().next().unwrap_or("?")
    );
    Ok(())
}

async fn measure_in_window(client: &Client, launched: Instant) -> TestResult {
    let state = wait_for_stage(client, PERF_POLYGONS).await?;
    let shown_after = launched.elapsed();
    let painted = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now())));",
            vec![],
        )
        .await?;
    eprintln!(
        "e2e-image: FIGURE open: {PERF_SIDE} x {PERF_SIDE} JPEG, the core's preview decoded in {:.0} ms \
         (showing: {}), {PERF_POLYGONS} polygons on screen {:.0} ms after navigation start; \
         {:.0} ms wall clock from the WebDriver session request (app launch) to the test seeing \
         them; stage {:.0} x {:.0} px",
        state["previewMs"].as_f64().unwrap_or(f64::NAN),
        state["image"].as_str().unwrap_or("?"),
        painted.as_f64().unwrap_or(f64::NAN),
        shown_after.as_secs_f64() * 1000.0,
        state["width"].as_f64().unwrap_or(f64::NAN),
        state["height"].as_f64().unwrap_or(f64::NAN),
    );
    // The full image decodes behind the preview; the frames below are measured once it has, as
    // before previews existed, so the pan figures compare.
    let waiting_for_full = Instant::now();
    let full = loop {
        let state = stage_state(client).await?;
        if state["loadMs"].as_f64().unwrap_or(0.0) > 0.0 {
            break state;
        }
        if waiting_for_full.elapsed() > Duration::from_secs(60) {
            return Err("the full image did not decode behind the preview".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        full["image"], "preview",
        "zoomed out to the fit, the preview stays on screen"
    );
    eprintln!(
        "e2e-image: FIGURE open: the full {PERF_SIDE} x {PERF_SIDE} JPEG decoded behind it in {:.0} ms",
        full["loadMs"].as_f64().unwrap_or(f64::NAN),
    );
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(60)),
            Some(Duration::from_secs(0)),
        ))
        .await?;
    drive_frames(
        client,
        "idle",
        30,
        "idle (no input), 1,000 polygons on screen",
    )
    .await?;
    drive_frames(
        client,
        "drag",
        60,
        "drag-pan at the fit, all 1,000 polygons on screen",
    )
    .await?;
    // Diagnostic: the same drag with the side panel (1,000 region rows) out of the page.
    in_panel(
        client,
        "root.querySelector('[data-testid=side-panel]').style.display = 'none'; return null;",
        vec![],
    )
    .await?;
    drive_frames(client, "drag", 60, "drag-pan at the fit, side panel hidden").await?;
    in_panel(
        client,
        "root.querySelector('[data-testid=side-panel]').style.display = ''; return null;",
        vec![],
    )
    .await?;
    drive_frames(client, "wheel", 12, "wheel zoom in, one notch a frame").await?;
    drive_frames(
        client,
        "keys",
        30,
        "arrow-key pan zoomed in, one press a frame",
    )
    .await?;
    drive_frames(client, "drag", 60, "drag-pan zoomed in").await?;
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, PERF_SCREENSHOT);
    }
    pan_cost_breakdown(client).await
}

/// Diagnostics for where a pan frame goes (docs/PERFORMANCE.md): back at the fit, the same drag
/// with one stage canvas at a time left out of the page, and the window's pixel ratio. Each
/// change is undone before the next line.
async fn pan_cost_breakdown(client: &Client) -> TestResult {
    let pixel_ratio = in_panel(client, "return window.devicePixelRatio;", vec![]).await?;
    let canvases = in_panel(
        client,
        "return Array.from(root.querySelectorAll('[data-testid=image-stage] canvas')) \
           .map((canvas) => `${canvas.width}x${canvas.height}`).join(' ');",
        vec![],
    )
    .await?;
    eprintln!(
        "e2e-image: FIGURE diagnostics: devicePixelRatio {pixel_ratio}, stage canvases {canvases}"
    );
    in_panel(
        client,
        "root.querySelector('[data-testid=image-fit]').click(); return null;",
        vec![],
    )
    .await?;
    drive_frames(
        client,
        "drag",
        40,
        "diagnostic: drag-pan at the fit, all canvases",
    )
    .await?;
    for (canvas_idx, name) in [(0, "image"), (1, "regions"), (2, "edit")] {
        let hide = format!(
            "root.querySelectorAll('[data-testid=image-stage] canvas')[{canvas_idx}].style.display = 'none'; return null;"
        );
        in_panel(client, &hide, vec![]).await?;
        drive_frames(
            client,
            "drag",
            40,
            &format!("diagnostic: drag-pan at the fit, the {name} canvas hidden"),
        )
        .await?;
        let show = format!(
            "root.querySelectorAll('[data-testid=image-stage] canvas')[{canvas_idx}].style.display = ''; return null;"
        );
        in_panel(client, &show, vec![]).await?;
    }
    in_panel(
        client,
        "root.querySelectorAll('[data-testid=image-stage] canvas').forEach((canvas) => canvas.style.display = 'none'); return null;",
        vec![],
    )
    .await?;
    drive_frames(
        client,
        "drag",
        40,
        "diagnostic: drag-pan at the fit, every canvas hidden",
    )
    .await?;
    in_panel(
        client,
        "root.querySelectorAll('[data-testid=image-stage] canvas').forEach((canvas) => canvas.style.display = ''); return null;",
        vec![],
    )
    .await?;
    drive_frames(client, "idle", 30, "diagnostic: idle, after the breakdown").await
}

async fn measure_1000_polygons(root: &Path) -> TestResult {
    let dir = root.join("perf");
    let images = dir.join("slides");
    std::fs::create_dir_all(&images)?;
    let jpeg = images.join("slide.jpg");
    let made = Command::new("convert")
        .args([
            "-size",
            &format!("{PERF_SIDE}x{PERF_SIDE}"),
            "-define",
            "gradient:angle=45",
            "gradient:#203050-#c0a080",
            "-quality",
            "85",
        ])
        .arg(&jpeg)
        .status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("e2e-image: no ImageMagick `convert`: the 1,000-polygon figures are skipped");
        return Ok(());
    }
    let (mut project, project_path) = make_project(&dir, PERF_CONFIG, &images)?;
    let actor = gloss::cli::local_user_name();
    let task = project
        .next_task(&actor, &[])?
        .ok_or("no task in the queue")?;
    let request = gloss::views::SaveAnnotation {
        task_id: task.task_id,
        status: gloss::views::AnnotationStatus::Draft,
        result: serde_json::from_value(Value::Array(polygons_result()))?,
        lead_time_ms: 0,
        from_prediction: None,
    };
    project.save_annotation(&actor, &request)?;
    // What the desktop's background worker does after an import: the preview of the big image,
    // made and cached before the task is opened (a debug build here; `cargo bench --bench
    // image_preview` times the release build).
    let making = Instant::now();
    let preview = project
        .image_preview(task.task_id, "image")?
        .ok_or("a 10,000 px image gets a preview")?;
    eprintln!(
        "e2e-image: FIGURE core: preview {} x {} ({} KiB) made in {:.0} ms (debug build)",
        preview.width,
        preview.height,
        preview.bytes.len() / 1024,
        making.elapsed().as_secs_f64() * 1000.0
    );
    drop(project);
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir)?;
    let path_arg = project_path.to_str().ok_or("temporary path is not UTF-8")?;
    let window = common::open_app(&data_dir, &[path_arg]).await?;
    let outcome = measure_in_window(&window.client, window.launched).await;
    window.finish(outcome, PERF_SCREENSHOT).await
}
