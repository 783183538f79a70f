//! End-to-end audio test in the real window: a project made with the core library (an `Audio`
//! object, `Labels` on it and a per-segment `TextArea`) with one task playing a short WAV the
//! test writes next to it. The app opens it; the waveform must be drawn from the peaks the core
//! computed (the `audio_peaks` command's binary message); a segment is cut with a real mouse
//! drag, labelled with its key, given a transcript typed into the per-region text field, its
//! start nudged by key; Enter submits. The stored annotation, read through the `jsonl` export,
//! must hold Label Studio's audio result: seconds as floats (the drag's within a few pixels, the
//! nudge exactly, kept to the millisecond), channel 0, the label, and the transcript under the
//! same id; the `segments` export must give the one row (`audio`, `start`, `end`, `label`,
//! `text`).
//!
//! Playback is checked too: WebKitGTK's media player cannot read the asset protocol (media error
//! 4), so the audio plays from the shell's loopback media server (`src/media_server.rs`). The
//! element's source must be that server's URL, it must load the file's length, Space must play
//! it (not paused, the playhead moving by itself), Space pause it and → seek one second on.
//!
//! `one_hour_waveform_open_times` prints how long an hour-long file's waveform takes to appear,
//! first and from the cache (docs/PERFORMANCE.md).
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Client;
use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use serde_json::Value;

use common::{ARROW_RIGHT, ENTER, TIMEOUT, TestResult, in_panel, key_of};

const SCREENSHOT: &str = "gloss-e2e-audio.png";

/// WebDriver's Alt key.
const ALT: char = '\u{E00A}';

const CONFIG: &str = r#"<View>
  <Header value="Cut and label the recording"/>
  <Audio name="audio" value="$audio"/>
  <Labels name="kind" toName="audio"><Label value="Speech"/><Label value="Music"/></Labels>
  <TextArea name="transcript" toName="audio" perRegion="true" editable="true" rows="2"/>
</View>"#;

const SAMPLE_RATE: u32 = 16_000;
const SECONDS: f64 = 4.0;
/// The drag cuts from here to there (seconds); the tone plays between them.
const CUT_FROM: f64 = 1.0;
const CUT_TO: f64 = 2.5;
const TRANSCRIPT: &str = "good morning";

/// A 16-bit mono PCM WAV: silence, a 440 Hz tone from `CUT_FROM` to `CUT_TO`, silence.
fn wav_bytes() -> Vec<u8> {
    let n_frames = (f64::from(SAMPLE_RATE) * SECONDS) as u32;
    let mut samples = Vec::with_capacity(n_frames as usize * 2);
    for frame_idx in 0..n_frames {
        let time = f64::from(frame_idx) / f64::from(SAMPLE_RATE);
        let value = if (CUT_FROM..CUT_TO).contains(&time) {
            0.6 * (2.0 * std::f64::consts::PI * 440.0 * time).sin()
        } else {
            0.0
        };
        samples.extend_from_slice(&((value * 32767.0).round() as i16).to_le_bytes());
    }
    let data_bytes = samples.len() as u32;
    let mut bytes = Vec::with_capacity(44 + samples.len());
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    bytes.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_bytes.to_le_bytes());
    bytes.extend_from_slice(&samples);
    bytes
}

/// A 1×1 PNG beside the WAV: the report loads it through the asset protocol too, to tell a
/// media-specific failure from a refused asset URL.
const PROBE_PNG: [u8; 69] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0,
    0, 0, 144, 119, 83, 222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 0, 0, 3, 1,
    1, 0, 201, 254, 146, 239, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

fn make_project(dir: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    std::fs::write(dir.join("greeting.wav"), wav_bytes())?;
    std::fs::write(dir.join("probe.png"), PROBE_PNG)?;
    let path = dir.join("audio.gloss");
    let actor = gloss::cli::local_user_name();
    let mut project =
        gloss::Project::create(&path, CONFIG, "e2e_audio.rs", Some("Audio"), None, &actor)?;
    let line = format!("{}\n", serde_json::json!({ "audio": "greeting.wav" }));
    let report = gloss::io::import::import_reader(
        &mut project,
        Box::new(std::io::Cursor::new(line.into_bytes())),
        &dir.join("tasks.jsonl"),
        gloss::io::ImportFormat::Jsonl,
        true,
        &actor,
    )?;
    eprintln!("e2e-audio: imported {report:?}");
    Ok(path)
}

fn move_to(x: f64, y: f64) -> PointerAction {
    PointerAction::MoveTo {
        duration: Some(Duration::from_millis(50)),
        x,
        y,
    }
}

async fn click_at(client: &Client, (x, y): (f64, f64)) -> TestResult {
    let mouse = MouseActions::new("mouse".to_owned())
        .then(move_to(x, y))
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

/// The viewport rectangle `[left, top, width, height]` of the first panel element matching
/// `selector`, or null.
async fn rect_of(client: &Client, selector: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let body = "const element = root.querySelector(arguments[0]); if (!element) return null; \
        const r = element.getBoundingClientRect(); return [r.left, r.top, r.width, r.height];";
    in_panel(client, body, vec![selector.into()]).await
}

/// Polls a panel script until it returns something other than null/false.
async fn wait_in_panel(
    client: &Client,
    what: &str,
    body: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        let value = in_panel(client, body, vec![]).await?;
        if !value.is_null() && value != Value::Bool(false) {
            return Ok(value);
        }
        if started.elapsed() > TIMEOUT {
            let notice = in_panel(
                client,
                "const n = root.querySelector('[data-testid=notice]') || root.querySelector('[data-testid=audio-note]'); \
                 return n ? n.textContent : null;",
                vec![],
            )
            .await?;
            return Err(format!("timed out waiting for {what}; notice {notice}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Is there ink on the waveform's canvases (inside wavesurfer's own shadow root)?
const WAVEFORM_INKED: &str = "const wave = root.querySelector('[data-testid=audio-waveform]'); \
    const inner = wave && wave.firstElementChild && wave.firstElementChild.shadowRoot; \
    if (!inner) return false; \
    for (const canvas of inner.querySelectorAll('canvas')) { \
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data; \
      for (let idx = 3; idx < data.length; idx += 4) if (data[idx] > 0) return true; } \
    return false;";

/// The segment rows of the side panel as text.
const SEGMENT_ROWS: &str = "const rows = Array.from(root.querySelectorAll('[data-testid=segment-row]')); \
    return rows.length === 0 ? null : rows.map((row) => row.textContent);";

/// Polls the media element's state (`script` returns it) until `done` holds; the last state is
/// in the error.
async fn wait_for_media(
    client: &Client,
    what: &str,
    script: &str,
    done: impl Fn(&Value) -> bool,
) -> Result<Value, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        let state = client.execute(script, vec![]).await?;
        if done(&state) {
            return Ok(state);
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("waited {TIMEOUT:?} for {what}; media element: {state}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn label_in_window(client: &Client) -> TestResult {
    let started = Instant::now();
    wait_in_panel(
        client,
        "the waveform",
        "return root.querySelector('[data-testid=audio-object][data-ready=true]') !== null;",
    )
    .await?;
    eprintln!("e2e-audio: waveform ready after {:?}", started.elapsed());
    wait_in_panel(client, "ink on the waveform", WAVEFORM_INKED).await?;
    let time = in_panel(
        client,
        "return root.querySelector('[data-testid=audio-time]').textContent;",
        vec![],
    )
    .await?;
    assert_eq!(time, "0:00.00 / 0:04.00", "duration on screen");

    // 1. Cut CUT_FROM..CUT_TO with a real mouse drag across the waveform.
    let rect: [f64; 4] =
        serde_json::from_value(rect_of(client, "[data-testid=audio-waveform]").await?)?;
    let x_at = |seconds: f64| rect[0] + rect[2] * seconds / SECONDS;
    let y = rect[1] + rect[3] / 2.0;
    let drag = MouseActions::new("mouse".to_owned())
        .then(move_to(x_at(CUT_FROM), y))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(move_to(x_at((CUT_FROM + CUT_TO) / 2.0), y))
        .then(move_to(x_at(CUT_TO), y))
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(drag).await?;
    client.release_actions().await?;
    wait_in_panel(
        client,
        "the cut waiting for a label",
        "const n = root.querySelector('[data-testid=notice]'); \
         return n !== null && n.textContent.includes(\"press a label's key\");",
    )
    .await?;

    // 2. Label it by key: a segment, listed and selected.
    common::press(client, key_of(client, "label-Speech").await?).await?;
    let rows = wait_in_panel(client, "the segment row", SEGMENT_ROWS).await?;
    eprintln!("e2e-audio: segment rows {rows}");
    assert!(
        rows[0]
            .as_str()
            .is_some_and(|row| row.starts_with("Speech")),
        "{rows}"
    );

    // 3. Its transcript: click into the per-region text field and type.
    let field: [f64; 4] = serde_json::from_value(
        rect_of(client, "[data-testid=per-region-transcript] textarea").await?,
    )?;
    click_at(
        client,
        (field[0] + field[2] / 2.0, field[1] + field[3] / 2.0),
    )
    .await?;
    let mut typing = KeyActions::new("keyboard".to_owned());
    for character in TRANSCRIPT.chars() {
        typing = typing
            .then(KeyAction::Down { value: character })
            .then(KeyAction::Up { value: character });
    }
    client.perform_actions(typing).await?;
    // Leave the text field (keys are the field's while typing); the selection stays.
    let header: [f64; 4] = serde_json::from_value(rect_of(client, ".header").await?)?;
    click_at(client, (header[0] + 4.0, header[1] + header[3] / 2.0)).await?;

    // 4. Nudge the start 10 ms later with Alt+→.
    let before: Value = in_panel(
        client,
        "return root.querySelector('[data-testid=segment-row] .segment-time').textContent;",
        vec![],
    )
    .await?;
    let nudge = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: ALT })
        .then(KeyAction::Down { value: ARROW_RIGHT })
        .then(KeyAction::Up { value: ARROW_RIGHT })
        .then(KeyAction::Up { value: ALT });
    client.perform_actions(nudge).await?;
    client.release_actions().await?;
    let after = wait_in_panel(
        client,
        "the nudged start",
        &format!(
            "const t = root.querySelector('[data-testid=segment-row] .segment-time').textContent; \
             return t !== {before} ? t : null;"
        ),
    )
    .await?;
    eprintln!("e2e-audio: segment {before} -> {after} after Alt+Right");

    // 5. Playback through the loopback media server: the element's source is the server's URL,
    // it loads the file's length, Space plays it (the playhead moves on its own), Space
    // pauses, and → seeks a second on.
    let media_state_js = "const root = document.querySelector('.task-panel').shadowRoot; \
         const audio = root.querySelector('[data-testid=audio-object] audio'); \
         const error = root.querySelector('[data-testid=audio-media-error]'); \
         return { src: audio.currentSrc, readyState: audio.readyState, duration: audio.duration, \
           paused: audio.paused, currentTime: audio.currentTime, \
           mediaError: audio.error ? audio.error.code : null, \
           notice: error ? error.textContent : null, \
           button: root.querySelector('[data-testid=audio-play]').textContent };";
    let loaded = wait_for_media(client, "the file's metadata", media_state_js, |media| {
        media["readyState"].as_u64().is_some_and(|ready| ready >= 1)
    })
    .await?;
    eprintln!("e2e-audio: media element before play {loaded}");
    let src = loaded["src"].as_str().unwrap_or_default();
    assert!(
        src.starts_with("http://127.0.0.1:")
            && src.contains("/media/")
            && src.ends_with("/1/audio"),
        "the audio plays from the loopback media server: {src}"
    );
    let loaded_duration = loaded["duration"].as_f64().unwrap_or_default();
    assert!(
        (loaded_duration - SECONDS).abs() < 0.01,
        "the element's duration {loaded_duration} s (the file is {SECONDS} s)"
    );
    common::press(client, ' ').await?;
    let playing = wait_for_media(client, "the playhead moving", media_state_js, |media| {
        media["paused"] == Value::Bool(false)
            && media["currentTime"].as_f64().is_some_and(|time| time > 0.3)
    })
    .await?;
    eprintln!("e2e-audio: after Space (play) {playing}");
    assert!(
        playing["button"]
            .as_str()
            .is_some_and(|text| text.starts_with("Pause")),
        "{playing}"
    );
    assert_eq!(playing["notice"], Value::Null, "{playing}");
    common::press(client, ' ').await?;
    let paused = wait_for_media(client, "the pause", media_state_js, |media| {
        media["paused"] == Value::Bool(true)
    })
    .await?;
    let paused_at = paused["currentTime"].as_f64().unwrap_or_default();
    common::press(client, ARROW_RIGHT).await?;
    let sought = wait_for_media(client, "the seek", media_state_js, |media| {
        media["currentTime"]
            .as_f64()
            .is_some_and(|time| (time - (paused_at + 1.0).min(SECONDS)).abs() < 0.05)
    })
    .await?;
    eprintln!(
        "e2e-audio: paused at {paused_at:.3} s, after ArrowRight {}",
        sought["currentTime"]
    );
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }

    // 6. Submit; the app moves on (no task left, so the task panel goes).
    common::press(client, ENTER).await?;
    let submitted_at = Instant::now();
    loop {
        let gone = client
            .execute(
                "const host = document.querySelector('.task-panel'); \
                 return !host || !host.shadowRoot \
                   || host.shadowRoot.querySelector('[data-testid=audio-object]') === null;",
                vec![],
            )
            .await?;
        if gone == Value::Bool(true) {
            break;
        }
        if submitted_at.elapsed() > TIMEOUT {
            return Err("Enter did not submit".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_label_and_transcribe_an_audio_segment() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let project_path = make_project(dir.path())?;
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let path_arg = project_path.to_str().ok_or("temporary path is not UTF-8")?;
    let window = common::open_app(&data_dir, &[path_arg]).await?;
    let outcome = label_in_window(&window.client).await;
    window.finish(outcome, SCREENSHOT).await?;
    eprintln!("e2e-audio: window part took {:?}", started.elapsed());

    let project = gloss::Project::open(&project_path)?;
    assert_eq!(project.stats()?.annotations.submitted, 1);
    let jsonl = dir.path().join("tasks-export.jsonl");
    let options = gloss::io::ExportOptions {
        format: gloss::io::ExportFormat::Jsonl,
        out: jsonl.clone(),
        only: None,
        split: None,
        seed: 0,
    };
    let summary = gloss::io::export::export_project_with(&project, &options, &Default::default())?;
    eprintln!("e2e-audio: export {summary:?}");
    let text = std::fs::read_to_string(&jsonl)?;
    let task: Value = serde_json::from_str(text.lines().next().ok_or("empty export")?)?;
    let result = task["annotations"][0]["result"]
        .as_array()
        .ok_or_else(|| format!("no result in {task}"))?;
    eprintln!("e2e-audio: result {}", Value::Array(result.clone()));
    let segment = result
        .iter()
        .find(|item| item["from_name"] == "kind")
        .ok_or_else(|| format!("no segment in {task}"))?;
    assert_eq!(segment["type"], "labels", "{segment}");
    assert_eq!(segment["to_name"], "audio", "{segment}");
    assert_eq!(
        segment["value"]["labels"],
        serde_json::json!(["Speech"]),
        "{segment}"
    );
    assert_eq!(segment["value"]["channel"], 0, "{segment}");
    let start = segment["value"]["start"].as_f64().ok_or("no start")?;
    let end = segment["value"]["end"].as_f64().ok_or("no end")?;
    // The drag's ends are a pixel or two off at this zoom (~100 px/s); the nudge adds 10 ms.
    assert!((start - (CUT_FROM + 0.01)).abs() < 0.05, "start {start}");
    assert!((end - CUT_TO).abs() < 0.05, "end {end}");
    assert_eq!(
        (start * 1000.0).round(),
        start * 1000.0,
        "start {start} not to the millisecond"
    );
    let transcript = result
        .iter()
        .find(|item| item["from_name"] == "transcript")
        .ok_or_else(|| format!("no transcript in {task}"))?;
    assert_eq!(transcript["id"], segment["id"], "{task}");
    assert_eq!(transcript["type"], "textarea", "{transcript}");
    assert_eq!(
        transcript["value"]["text"],
        serde_json::json!([TRANSCRIPT]),
        "{transcript}"
    );

    // The audio dataset export: one row per labelled segment with its transcript.
    let segments_path = dir.path().join("segments.jsonl");
    let options = gloss::io::ExportOptions {
        format: gloss::io::ExportFormat::Segments,
        out: segments_path.clone(),
        only: None,
        split: None,
        seed: 0,
    };
    gloss::io::export::export_project_with(&project, &options, &Default::default())?;
    let rows: Vec<Value> = std::fs::read_to_string(&segments_path)?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    eprintln!("e2e-audio: segments export {rows:?}");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["audio"], "greeting.wav", "{}", rows[0]);
    assert_eq!(rows[0]["label"], "Speech", "{}", rows[0]);
    assert_eq!(rows[0]["start"].as_f64(), Some(start), "{}", rows[0]);
    assert_eq!(rows[0]["end"].as_f64(), Some(end), "{}", rows[0]);
    assert_eq!(rows[0]["text"], TRANSCRIPT, "{}", rows[0]);
    eprintln!("e2e-audio: passed in {:?}", started.elapsed());
    Ok(())
}

/// A one-hour WAV (8 kHz mono, 16-bit: 57.6 MB): a second of a buzzing tone, then two seconds of
/// silence, over and over, so the waveform has shape at every zoom.
fn write_long_wav(path: &Path, seconds: u32) -> std::io::Result<()> {
    const RATE: u32 = 8_000;
    let n_frames = RATE * seconds;
    let data_bytes = n_frames * 2;
    let mut bytes = Vec::with_capacity(44 + data_bytes as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&RATE.to_le_bytes());
    bytes.extend_from_slice(&(RATE * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_bytes.to_le_bytes());
    for frame_idx in 0..n_frames {
        let sample: i16 = if (frame_idx / RATE).is_multiple_of(3) {
            // A 200 Hz sawtooth at about half scale.
            ((frame_idx % 40) as i16 - 20) * 800
        } else {
            0
        };
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes)
}

/// The open timings of the waveform the audio object records (`data-peaks-ms`: mount to peaks
/// received; `data-drawn-ms`: mount to waveform drawn) of the first task other than `previous`
/// (the task line above the panel) whose waveform is drawn.
async fn waveform_timings(
    client: &Client,
    previous: Option<&str>,
) -> Result<(String, u64, u64), Box<dyn std::error::Error>> {
    let body = "const element = root.querySelector('[data-testid=audio-object][data-ready=true][data-drawn-ms]'); \
        if (!element) return null; \
        const time = root.querySelector('[data-testid=audio-time]').textContent; \
        return [document.querySelector('.task-meta span').textContent, time, \
                Number(element.dataset.peaksMs), Number(element.dataset.drawnMs), Number(element.dataset.peaksAskedMs)];";
    let started = Instant::now();
    loop {
        let value = in_panel(client, body, vec![]).await?;
        if let Some(list) = value.as_array()
            && list[0].as_str() != previous
        {
            let task = list[0].as_str().unwrap_or_default().to_owned();
            assert!(
                list[1]
                    .as_str()
                    .is_some_and(|time| time.ends_with("1:00:00.00")),
                "duration on screen {value}"
            );
            let as_ms = |value: &Value| value.as_f64().map(|ms| ms as u64).unwrap_or(u64::MAX);
            eprintln!(
                "e2e-audio-hour: {task}: peaks asked {} ms after mount",
                as_ms(&list[4])
            );
            return Ok((task, as_ms(&list[2]), as_ms(&list[3])));
        }
        if started.elapsed() > Duration::from_secs(180) {
            return Err(format!("no waveform drawn after {:?}", started.elapsed()).into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Prints how long a one-hour file's waveform takes to appear: the first open (the core decodes
/// the file; slower in a debug build than in the installed app: `cargo test --release` for the
/// real figure), a later open of the same file from the next task (peaks from the project's
/// cache, while the submit's save and the next prefetch are in flight), back to the first task
/// (cached, nothing else in flight), and the bare `audio_peaks` call.
/// Asserts only that both show the hour-long waveform.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hour_waveform_open_times() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let wav_started = Instant::now();
    write_long_wav(&dir.path().join("hour.wav"), 3600)?;
    eprintln!(
        "e2e-audio-hour: wrote the WAV in {:?}",
        wav_started.elapsed()
    );
    let project_path = dir.path().join("hour.gloss");
    let actor = gloss::cli::local_user_name();
    let mut project = gloss::Project::create(
        &project_path,
        CONFIG,
        "e2e_audio.rs",
        Some("Hour"),
        None,
        &actor,
    )?;
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({ "audio": "hour.wav", "part": 1 }),
        serde_json::json!({ "audio": "hour.wav", "part": 2 })
    );
    gloss::io::import::import_reader(
        &mut project,
        Box::new(std::io::Cursor::new(lines.into_bytes())),
        &dir.path().join("tasks.jsonl"),
        gloss::io::ImportFormat::Jsonl,
        true,
        &actor,
    )?;
    drop(project);
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let path_arg = project_path.to_str().ok_or("temporary path is not UTF-8")?;
    let window = common::open_app(&data_dir, &[path_arg]).await?;
    let outcome = async {
        let (first_task, first_peaks, first_drawn) = waveform_timings(&window.client, None).await?;
        eprintln!(
            "e2e-audio-hour: first open ({first_task}): peaks after {first_peaks} ms, waveform drawn after {first_drawn} ms"
        );
        wait_in_panel(&window.client, "ink on the waveform", WAVEFORM_INKED).await?;
        if let Ok(png) = window.client.screenshot().await {
            common::screenshot(&png, "gloss-e2e-audio-hour.png");
        }
        common::press(&window.client, ENTER).await?;
        let (second_task, later_peaks, later_drawn) =
            waveform_timings(&window.client, Some(&first_task)).await?;
        eprintln!(
            "e2e-audio-hour: later open ({second_task}, same file): peaks after {later_peaks} ms, waveform drawn after {later_drawn} ms"
        );
        // Back to the first task (Backspace): a later open with no save in flight.
        common::press(&window.client, '\u{E003}').await?;
        let (back_task, back_peaks, back_drawn) =
            waveform_timings(&window.client, Some(&second_task)).await?;
        eprintln!(
            "e2e-audio-hour: back to {back_task} (cached, no save in flight): peaks after {back_peaks} ms, waveform drawn after {back_drawn} ms"
        );
        // The cached peaks alone, through the IPC from the page: where a later open's time goes.
        let ipc = window
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const invoke = window.__TAURI_INTERNALS__.invoke; const times = []; \
                 (async () => { for (let run = 0; run < 5; run += 1) { \
                   const started = performance.now(); \
                   const buffer = await invoke('audio_peaks', { taskId: 2, field: 'audio' }); \
                   times.push([Math.round(performance.now() - started), buffer.byteLength]); } \
                   done(times); })().catch((error) => done(String(error)));",
                vec![],
            )
            .await?;
        eprintln!("e2e-audio-hour: audio_peaks from the cache, [ms, bytes] x5: {ipc}");
        Ok::<(), Box<dyn std::error::Error>>(())
    }
    .await;
    window.finish(outcome, "gloss-e2e-audio-hour.png").await
}
