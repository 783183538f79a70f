//! `gloss agreement` on a real project file: a Label Studio export with three annotators
//! (`completed_by` as two e-mails and a user id) is imported, then the CLI's JSON is checked
//! against values computed by hand below (every fraction is worked out in the comments; none
//! comes from the code under test).

mod common;

use std::path::Path;

use common::{gloss, stderr_text, stdout_json};
use serde_json::{Value, json};

const CONFIG: &str = r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="pos"/>
    <Choice value="neg"/>
    <Choice value="neu"/>
  </Choices>
  <Rating name="quality" toName="text" maxRating="5"/>
  <Labels name="ner" toName="text">
    <Label value="PER"/>
    <Label value="LOC"/>
  </Labels>
  <TextArea name="comment" toName="text"/>
</View>
"#;

const ANN: &str = "ann@example.com";
const BOB: &str = "bob@example.com";
/// `completed_by: 7` becomes this annotator (src/io/import/record.rs).
const USER7: &str = "labelstudio-user-7";

const TEXTS: [&str; 5] = [
    "Ada went to Paris",
    "nothing to see",
    "Rome is old",
    "plain words",
    "skipped one",
];

fn choice(value: &str) -> Value {
    json!({"from_name": "sentiment", "to_name": "text", "type": "choices",
           "value": {"choices": [value]}})
}

fn rating(value: u32) -> Value {
    json!({"from_name": "quality", "to_name": "text", "type": "rating",
           "value": {"rating": value}})
}

fn span(task_idx: usize, start: usize, end: usize, label: &str) -> Value {
    let text: String = TEXTS[task_idx]
        .chars()
        .skip(start)
        .take(end - start)
        .collect();
    json!({"from_name": "ner", "to_name": "text", "type": "labels",
           "value": {"start": start, "end": end, "text": text, "labels": [label]}})
}

fn annotation(completed_by: Value, result: Vec<Value>) -> Value {
    json!({"completed_by": completed_by, "result": result, "was_cancelled": false})
}

/// The data, per task (sentiment / quality / spans):
///
/// | task | ann@               | bob@               | user 7               |
/// |------|--------------------|--------------------|----------------------|
/// | 1    | pos 4 PER0-3 LOC12-17 | pos 5 PER0-3 PER12-17 | pos 4 PER0-3      |
/// | 2    | neg 2 (no spans)   | pos 2 (no spans)   | neg (no rating)       |
/// | 3    | neu 3 LOC0-4       | neu 4 LOC0-4       | neu 3 LOC0-5          |
/// | 4    | pos 1              | neg 2              | neg 1                 |
/// | 5    | —                  | —                  | skipped (not counted) |
fn label_studio_export() -> Value {
    let ann = || json!({"id": 1, "email": ANN});
    let bob = || json!("bob@example.com");
    let user7 = || json!(7);
    json!([
        {"id": 501, "data": {"text": TEXTS[0]}, "annotations": [
            annotation(ann(), vec![choice("pos"), rating(4), span(0, 0, 3, "PER"), span(0, 12, 17, "LOC"),
                                   json!({"from_name": "comment", "to_name": "text", "type": "textarea",
                                          "value": {"text": ["fine"]}})]),
            annotation(bob(), vec![choice("pos"), rating(5), span(0, 0, 3, "PER"), span(0, 12, 17, "PER")]),
            annotation(user7(), vec![choice("pos"), rating(4), span(0, 0, 3, "PER")]),
        ]},
        {"id": 502, "data": {"text": TEXTS[1]}, "annotations": [
            annotation(ann(), vec![choice("neg"), rating(2)]),
            annotation(bob(), vec![choice("pos"), rating(2)]),
            annotation(user7(), vec![choice("neg")]),
        ]},
        {"id": 503, "data": {"text": TEXTS[2]}, "annotations": [
            annotation(ann(), vec![choice("neu"), rating(3), span(2, 0, 4, "LOC")]),
            annotation(bob(), vec![choice("neu"), rating(4), span(2, 0, 4, "LOC")]),
            annotation(user7(), vec![choice("neu"), rating(3), span(2, 0, 5, "LOC")]),
        ]},
        {"id": 504, "data": {"text": TEXTS[3]}, "annotations": [
            annotation(ann(), vec![choice("pos"), rating(1)]),
            annotation(bob(), vec![choice("neg"), rating(2)]),
            annotation(user7(), vec![choice("neg"), rating(1)]),
        ]},
        {"id": 505, "data": {"text": TEXTS[4]}, "annotations": [
            {"completed_by": 7, "result": [choice("pos"), rating(5)], "was_cancelled": true},
        ]},
    ])
}

fn assert_ok(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        stderr_text(output)
    );
}

/// A project (with guidelines, so later saves carry version 1) holding the export above.
fn project_with_export(dir: &Path) {
    std::fs::write(dir.join("config.xml"), CONFIG).unwrap();
    std::fs::write(dir.join("guidelines.md"), "# Sentiment\nBe kind.\n").unwrap();
    std::fs::write(dir.join("export.json"), label_studio_export().to_string()).unwrap();
    assert_ok(&gloss(
        dir,
        &[
            "init",
            "p.gloss",
            "--config",
            "config.xml",
            "--guidelines",
            "guidelines.md",
        ],
    ));
    let import = gloss(
        dir,
        &[
            "import",
            "p.gloss",
            "export.json",
            "--format",
            "labelstudio",
            "--strict",
            "--json",
        ],
    );
    assert_ok(&import);
    assert_eq!(stdout_json(&import)["imported"], 5);
}

fn close(actual: &Value, expected: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: expected {expected}, got {actual}"));
    assert!(
        (actual - expected).abs() < 1e-12,
        "{what}: expected {expected}, got {actual}"
    );
}

fn control<'a>(controls: &'a Value, name: &str) -> &'a Value {
    controls
        .as_array()
        .unwrap()
        .iter()
        .find(|control| control["control"] == name)
        .unwrap_or_else(|| panic!("no control {name} in {controls}"))
}

fn pair<'a>(pairs: &'a Value, a: &str, b: &str) -> &'a Value {
    pairs
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair["annotators"] == json!([a, b]))
        .unwrap_or_else(|| panic!("no pair {a}/{b} in {pairs}"))
}

/// The numbers of the imported data (the three annotators, tasks 1-4).
fn check_imported_numbers(controls: &Value) {
    // --- sentiment (single Choices; declared categories pos, neg, neu)
    let sentiment = control(controls, "sentiment");
    assert_eq!(sentiment["kind"], "choices");
    // Task 5 holds only a skipped annotation: it is not an item.
    assert_eq!(sentiment["n_items"], 4);
    assert_eq!(sentiment["n_annotators"], 3);
    // Per task, agreeing ordered pairs / all ordered pairs: t1 6/6, t2 (neg,pos,neg) 2/6,
    // t3 6/6, t4 (pos,neg,neg) 2/6 -> mean (1 + 1/3 + 1 + 1/3) / 4 = 2/3.
    close(
        &sentiment["percent_agreement"],
        2.0 / 3.0,
        "sentiment percent",
    );
    close(&sentiment["unanimous_fraction"], 0.5, "sentiment unanimous");
    // ann/bob: (pos,pos) (neg,pos) (neu,neu) (pos,neg): p_o = 1/2; marginals ann {pos 2, neg 1,
    // neu 1}, bob {pos 2, neg 1, neu 1}: p_e = (4+1+1)/16 = 3/8; kappa = (1/2-3/8)/(5/8) = 1/5.
    let cohen = &sentiment["cohen_kappa"];
    assert_eq!(cohen["weights"], "none");
    close(
        &pair(&cohen["pairs"], ANN, BOB)["kappa"],
        0.2,
        "kappa ann/bob",
    );
    assert_eq!(pair(&cohen["pairs"], ANN, BOB)["items"], 4);
    close(
        &pair(&cohen["pairs"], ANN, BOB)["agreement"],
        0.5,
        "agreement ann/bob",
    );
    // ann/user7: (pos,pos) (neg,neg) (neu,neu) (pos,neg): p_o = 3/4; user7 {pos 1, neg 2, neu 1}:
    // p_e = (2·1 + 1·2 + 1·1)/16 = 5/16; kappa = (12/16-5/16)/(11/16) = 7/11. bob/user7 likewise
    // ((pos,pos) (pos,neg) (neu,neu) (neg,neg); bob's marginals equal ann's): 7/11.
    close(
        &pair(&cohen["pairs"], ANN, USER7)["kappa"],
        7.0 / 11.0,
        "kappa ann/user7",
    );
    close(
        &pair(&cohen["pairs"], BOB, USER7)["kappa"],
        7.0 / 11.0,
        "kappa bob/user7",
    );
    // Mean: (1/5 + 7/11 + 7/11) / 3 = 27/55.
    close(&cohen["mean"], 27.0 / 55.0, "mean kappa");
    // Fleiss: counts (pos, neg, neu) t1 [3,0,0], t2 [1,2,0], t3 [0,0,3], t4 [1,2,0]; P_i = 1, 1/3,
    // 1, 1/3 -> P̄ = 2/3; p = (5/12, 4/12, 3/12) -> P_e = 50/144 = 25/72;
    // kappa = (2/3 - 25/72)/(47/72) = 23/47. Randolph: P_e = 1/3 -> (1/3)/(2/3) = 1/2.
    close(&sentiment["fleiss_kappa"], 23.0 / 47.0, "fleiss");
    close(&sentiment["randolph_kappa"], 0.5, "randolph");
    assert_eq!(
        sentiment["fleiss_categories"],
        json!({"source": "declared", "n_categories": 3})
    );
    // Krippendorff nominal: coincidences o(pos,pos)=3, o(neu,neu)=3, o(neg,neg)=1+1, o(pos,neg) =
    // o(neg,pos) = 1+1; n = (5, 4, 3), 12 values. D_o ∝ 4; D_e ∝ (2·(5·4 + 5·3 + 4·3))/11 = 94/11;
    // alpha = 1 - 44/94 = 25/47. Choices get the nominal level only.
    let alpha = &sentiment["krippendorff_alpha"];
    close(&alpha["nominal"], 25.0 / 47.0, "alpha nominal");
    assert!(
        alpha.get("ordinal").is_none() && alpha.get("interval").is_none(),
        "{alpha}"
    );
    assert!(sentiment.get("cohen_kappa_quadratic").is_none());
    // Per label "neu": selected by all three on t3 and by nobody elsewhere: full agreement.
    // Binary counts (no, yes): [3,0] [3,0] [0,3] [3,0]: P̄ = 1, P_e = (9/12)² + (3/12)² = 5/8,
    // kappa = (3/8)/(3/8) = 1.
    let neu = sentiment["per_label"]
        .as_array()
        .unwrap()
        .iter()
        .find(|label| label["label"] == "neu")
        .unwrap();
    assert_eq!(neu["n_selected"], 3);
    close(&neu["percent_agreement"], 1.0, "neu percent");
    close(&neu["fleiss_kappa"], 1.0, "neu fleiss");
    close(&neu["krippendorff_alpha_nominal"], 1.0, "neu alpha");
    assert!(sentiment["undefined"].as_object().unwrap().is_empty());

    // --- quality (Rating 1-5; user 7 gave no rating on task 2: a missing label, not a label)
    let quality = control(controls, "quality");
    assert_eq!(quality["kind"], "rating");
    assert_eq!(quality["n_items"], 4);
    // Task 2 has two ratings, the others three: Fleiss' kappa is undefined, with the reason.
    assert!(quality["fleiss_kappa"].is_null());
    assert!(quality["randolph_kappa"].is_null());
    let reason = quality["undefined"]["fleiss_kappa"].as_str().unwrap();
    assert!(
        reason.contains("different numbers of ratings (2 to 3)"),
        "{reason}"
    );
    // Percent agreement: t1 {4,5,4} 2/6, t2 {2,2} 1, t3 {3,4,3} 2/6, t4 {1,2,1} 2/6 -> 2/4 = 1/2.
    close(&quality["percent_agreement"], 0.5, "quality percent");
    // ann/bob unweighted: (4,5) (2,2) (3,4) (1,2): p_o = 1/4; ann {1,2,3,4 once each}, bob {2: 2,
    // 4: 1, 5: 1}: p_e = (1·2 + 1·1)/16 = 3/16; kappa = (1/16)/(13/16) = 1/13.
    close(
        &pair(&quality["cohen_kappa"]["pairs"], ANN, BOB)["kappa"],
        1.0 / 13.0,
        "quality kappa ann/bob",
    );
    // ann/user7 agree on all three common items (4, 3, 1): kappa 1 at every weighting.
    for weighting in ["cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic"] {
        let ann_user7 = pair(&quality[weighting]["pairs"], ANN, USER7);
        close(&ann_user7["kappa"], 1.0, weighting);
        assert_eq!(ann_user7["items"], 3);
    }
    // Krippendorff: coincidences o(4,4)=1, o(4,5)=o(5,4)=1 (t1), o(2,2)=2 (t2), o(3,3)=1,
    // o(3,4)=o(4,3)=1 (t3), o(1,1)=1, o(1,2)=o(2,1)=1 (t4); n_v for 1..5 = (2, 3, 2, 3, 1), n = 11.
    // nominal: D_o ∝ 6, D_e ∝ (121 - 27)/10 = 9.4 -> 1 - 6/9.4 = 17/47.
    // interval: D_o ∝ 2·1 + 2·1 + 2·1 = 6; D_e ∝ 2·Σ_{c<k} n_c n_k (c-k)² / 10 = 2·194/10 = 38.8
    //   -> 1 - 6/38.8 = 82/97.
    // ordinal (rank distance (Σ_{g=c..k} n_g - (n_c+n_k)/2)²): d(1,2) = d(3,4) = 2.5², d(4,5) = 2²
    //   -> D_o ∝ 2·6.25 + 2·6.25 + 2·4 = 33; D_e ∝ 2·1155/10 = 231 -> 1 - 33/231 = 6/7.
    // ratio (((c-k)/(c+k))²): D_o ∝ 2(1/9 + 1/49 + 1/81); with D_e from the same n_v,
    //   alpha = 849749/1078149 (exact fractions, worked with Python's `fractions` module).
    let alpha = &quality["krippendorff_alpha"];
    close(&alpha["nominal"], 17.0 / 47.0, "quality nominal");
    close(&alpha["interval"], 82.0 / 97.0, "quality interval");
    close(&alpha["ordinal"], 6.0 / 7.0, "quality ordinal");
    close(&alpha["ratio"], 849_749.0 / 1_078_149.0, "quality ratio");
    assert!(quality.get("per_label").is_none());

    // --- ner (spans: exact-match F1 per pair over the tasks both submitted)
    let ner = control(controls, "ner");
    assert_eq!(ner["kind"], "labels");
    assert!(ner.get("cohen_kappa").is_none() && ner.get("fleiss_kappa").is_none());
    let span_f1 = &ner["span_f1"];
    // ann/bob: t1 {PER0-3, LOC12-17} vs {PER0-3, PER12-17}: 1 match of 2+2; t3 LOC0-4 both: 1 of
    // 1+1; t2, t4 empty. Micro: 2·2/(3+3) = 2/3.
    close(
        &pair(&span_f1["pairs"], ANN, BOB)["f1"],
        2.0 / 3.0,
        "span ann/bob",
    );
    assert_eq!(pair(&span_f1["pairs"], ANN, BOB)["items"], 4);
    // ann/user7: t1 1 match of 2+1; t3 LOC0-4 vs LOC0-5: 0 of 1+1. Micro: 2·1/(3+2) = 2/5.
    // bob/user7: the same counts: 2/5.
    close(
        &pair(&span_f1["pairs"], ANN, USER7)["f1"],
        0.4,
        "span ann/user7",
    );
    close(
        &pair(&span_f1["pairs"], BOB, USER7)["f1"],
        0.4,
        "span bob/user7",
    );
    // Mean: (2/3 + 2/5 + 2/5)/3 = 22/45.
    close(&span_f1["mean"], 22.0 / 45.0, "span mean");
    assert_eq!(ner["n_regions_left_out"], 0);
}

#[test]
fn agreement_json_matches_hand_computed_values_for_a_label_studio_import() {
    let dir = tempfile::tempdir().unwrap();
    project_with_export(dir.path());
    let output = gloss(dir.path(), &["agreement", "p.gloss", "--json"]);
    assert_ok(&output);
    let report = stdout_json(&output);
    // 4 tasks × 3 annotators submitted; the skipped one on task 5 is not counted.
    assert_eq!(report["n_annotations"], 12);
    check_imported_numbers(&report["controls"]);
    let not_measured = report["not_measured"].as_array().unwrap();
    assert_eq!(not_measured.len(), 1, "{not_measured:?}");
    assert_eq!(not_measured[0]["control"], "comment");
    assert!(report.get("by_guideline_version").is_none());
    // The text for people names the controls.
    let human = stderr_text(&output);
    assert!(
        human.contains("sentiment (choices): 4 item(s), 3 annotator(s)"),
        "{human}"
    );

    // --control keeps one control.
    let output = gloss(
        dir.path(),
        &["agreement", "p.gloss", "--control", "quality", "--json"],
    );
    assert_ok(&output);
    let report = stdout_json(&output);
    assert_eq!(report["controls"].as_array().unwrap().len(), 1);
    close(
        &report["controls"][0]["krippendorff_alpha"]["interval"],
        82.0 / 97.0,
        "--control quality",
    );
}

#[test]
fn agreement_splits_by_guideline_version() {
    let dir = tempfile::tempdir().unwrap();
    project_with_export(dir.path());
    // Two more people label tasks 1 and 2 in Gloss, under guidelines version 1 (imported
    // annotations carry no guideline version).
    for (annotator, task, value) in [
        ("cy", "1", "pos"),
        ("cy", "2", "neg"),
        ("dee", "1", "pos"),
        ("dee", "2", "pos"),
    ] {
        let result = json!([choice(value)]).to_string();
        assert_ok(&gloss(
            dir.path(),
            &[
                "annotate",
                "p.gloss",
                "--annotator",
                annotator,
                "--task",
                task,
                "--result",
                &result,
            ],
        ));
    }
    let output = gloss(
        dir.path(),
        &["agreement", "p.gloss", "--by-guideline-version", "--json"],
    );
    assert_ok(&output);
    let report = stdout_json(&output);
    assert_eq!(report["n_annotations"], 16);
    let versions = report["by_guideline_version"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{versions:?}");
    // Imported annotations (no version): exactly the numbers of the import alone.
    assert!(versions[0]["guideline_version"].is_null());
    assert_eq!(versions[0]["n_annotations"], 12);
    check_imported_numbers(&versions[0]["controls"]);
    // Version 1: cy (pos, neg) and dee (pos, pos) on tasks 1 and 2.
    assert_eq!(versions[1]["guideline_version"], 1);
    assert_eq!(versions[1]["n_annotations"], 4);
    let sentiment = control(&versions[1]["controls"], "sentiment");
    assert_eq!(sentiment["n_items"], 2);
    assert_eq!(sentiment["n_annotators"], 2);
    // t1 agrees, t2 does not: 1/2. Cohen: p_o = 1/2; cy {pos 1, neg 1}, dee {pos 2}:
    // p_e = (1·2)/4 = 1/2 -> kappa = 0 (one annotator constant gives 0, not undefined).
    close(&sentiment["percent_agreement"], 0.5, "v1 percent");
    close(&sentiment["cohen_kappa"]["mean"], 0.0, "v1 kappa");
    // Nobody rated under version 1: the rating metrics are undefined, each with a reason.
    let quality = control(&versions[1]["controls"], "quality");
    assert_eq!(quality["n_items"], 0);
    assert!(quality["percent_agreement"].is_null());
    assert!(quality["krippendorff_alpha"]["ordinal"].is_null());
    assert!(quality["undefined"]["krippendorff_alpha.ordinal"].is_string());
    assert!(quality["undefined"]["cohen_kappa.mean"].is_string());
}

#[test]
fn agreement_refuses_an_unknown_control_by_name() {
    let dir = tempfile::tempdir().unwrap();
    project_with_export(dir.path());
    let output = gloss(
        dir.path(),
        &["agreement", "p.gloss", "--control", "nope", "--json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let error = stdout_json(&output);
    assert_eq!(error["error"]["code"], "bad_input");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"nope\"") && message.contains("sentiment"),
        "{message}"
    );
}

const IMAGE_CONFIG: &str = r#"<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img">
    <Label value="car"/>
    <Label value="person"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="img">
    <Label value="lake"/>
  </PolygonLabels>
</View>
"#;

fn rectangle(x: f64, y: f64, width: f64, height: f64, rotation: f64, label: &str) -> Value {
    json!({"from_name": "box", "to_name": "img", "type": "rectanglelabels",
           "original_width": 200, "original_height": 100, "image_rotation": 0,
           "value": {"x": x, "y": y, "width": width, "height": height, "rotation": rotation,
                     "rectanglelabels": [label]}})
}

fn triangle() -> Value {
    json!({"from_name": "poly", "to_name": "img", "type": "polygonlabels",
           "original_width": 200, "original_height": 100,
           "value": {"points": [[0.0, 0.0], [50.0, 0.0], [0.0, 50.0]], "polygonlabels": ["lake"]}})
}

#[test]
fn box_agreement_matches_by_iou_in_pixels_including_rotated_boxes() {
    let dir = tempfile::tempdir().unwrap();
    let image = image::RgbImage::from_fn(200, 100, |x, y| image::Rgb([x as u8, y as u8, 9]));
    image.save(dir.path().join("a.png")).unwrap();
    std::fs::write(dir.path().join("config.xml"), IMAGE_CONFIG).unwrap();
    // On a 200 × 100 px image (percent → pixels: x × 2, y × 1):
    // - ann's car A (0,0,10,20)% = x 0..20, y 0..20 px; bob's car (1,0,10,20)% = x 2..22: IoU
    //   18·20 / (400 + 400 - 360) = 9/11 ≥ 0.5: a match.
    // - ann's person (50,50,10,10)% and bob's box at the same place labelled car: no candidate.
    // - ann's car C (20,0,10,40)% = x 40..60, y 0..40 px. bob's car: top-left (30,0)% = (60,0)
    //   px, width 20% = 40 px, height 20% = 20 px, rotated 90° clockwise about the top-left: it
    //   runs down 40 px and left 20 px, i.e. x 40..60, y 0..40: IoU 1, a match. (Rotating in
    //   percent instead would give x 10..30%, y 0..20% and IoU 200/600 = 1/3: no match.)
    // TP = 2 of 3 + 3 boxes: F1 = 4/6 = 2/3. The lakes are the same triangle: F1 = 1.
    let export = json!([{"id": 1, "data": {"image": "a.png"}, "annotations": [
        annotation(json!("ann"), vec![
            rectangle(0.0, 0.0, 10.0, 20.0, 0.0, "car"),
            rectangle(50.0, 50.0, 10.0, 10.0, 0.0, "person"),
            rectangle(20.0, 0.0, 10.0, 40.0, 0.0, "car"),
            triangle(),
        ]),
        annotation(json!("bob"), vec![
            rectangle(1.0, 0.0, 10.0, 20.0, 0.0, "car"),
            rectangle(50.0, 50.0, 10.0, 10.0, 0.0, "car"),
            rectangle(30.0, 0.0, 20.0, 20.0, 90.0, "car"),
            triangle(),
        ]),
    ]}]);
    std::fs::write(dir.path().join("export.json"), export.to_string()).unwrap();
    assert_ok(&gloss(
        dir.path(),
        &["init", "p.gloss", "--config", "config.xml"],
    ));
    let import = gloss(
        dir.path(),
        &[
            "import",
            "p.gloss",
            "export.json",
            "--format",
            "labelstudio",
            "--strict",
            "--json",
        ],
    );
    assert_ok(&import);
    let output = gloss(dir.path(), &["agreement", "p.gloss", "--json"]);
    assert_ok(&output);
    let report = stdout_json(&output);
    let boxes = control(&report["controls"], "box");
    assert_eq!(boxes["kind"], "rectanglelabels");
    assert_eq!(boxes["n_items"], 1);
    assert_eq!(boxes["box_f1"]["iou_threshold"], 0.5);
    let ann_bob = pair(&boxes["box_f1"]["pairs"], "ann", "bob");
    close(&ann_bob["f1"], 2.0 / 3.0, "box F1 ann/bob");
    assert_eq!(ann_bob["items"], 1);
    close(&boxes["box_f1"]["mean"], 2.0 / 3.0, "box F1 mean");
    assert_eq!(boxes["n_regions_left_out"], 0);
    assert!(boxes.get("cohen_kappa").is_none());
    let lakes = control(&report["controls"], "poly");
    close(
        &pair(&lakes["box_f1"]["pairs"], "ann", "bob")["f1"],
        1.0,
        "polygon F1",
    );
}
