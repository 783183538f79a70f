//! A project's agreement: its submitted annotations turned into the inputs of the metrics in
//! [`super::agreement`], [`super::spans`] and [`super::boxes`], per control, per label, per
//! annotator pair and (on request) per guideline version. `gloss agreement` prints this.
//!
//! **Which annotations count**: each annotator's current version of each task (the head),
//! only when it is submitted. Drafts and skips say nothing about the label; older versions
//! were replaced by their author.
//!
//! **How a control's result becomes a label** (one label per task and annotator):
//! - `Choices`: one selected choice is that choice; several are the sorted set written as one
//!   label (a JSON list, e.g. `["billing","bug"]`), so agreement on a multi-choice control is
//!   agreement on the whole set. `per_label` adds, for every choice, the binary "selected or
//!   not" among the annotators who answered the control.
//! - `Rating` and `Number`: the number (ordered; Krippendorff's ordinal, interval and ratio
//!   levels and Cohen's linear and quadratic weights are added for these).
//! - `Taxonomy`: the sorted set of selected paths (`a / b`), as one label; `Pairwise`: the
//!   side chosen; `DateTime`: the value as written.
//! - No result for the control in a submitted annotation is a missing label for that task,
//!   not a label of its own.
//! - `Labels` (text spans, audio segments): span F1 by exact match per annotator pair, over the
//!   tasks both submitted (a submission without spans is an empty set); spans without offsets
//!   are left out and counted.
//! - `RectangleLabels` and `PolygonLabels`: IoU-matched F1 at IoU ≥ 0.5, same label, per pair;
//!   a region with several labels counts once per label. Shapes are compared in percent of the
//!   image (IoU does not change when the axes are scaled); a rotated box is turned into its
//!   corners in pixels by the result's `original_width/height` (else the imported image size)
//!   and back to percent, and without any size it is left out and counted.
//! - Not measured (listed under `not_measured` with the reason): `TextArea` (free text),
//!   `Ranker`, `KeyPointLabels`, `Relations`, chat messages, and `perRegion` controls (their
//!   results belong to regions each annotator drew differently).
//!
//! Fleiss' and Randolph's kappa use the items with two or more labels and need the same
//! number on each; their categories are the config's (choices in config order, ratings
//! 1..max) when every label seen is one of them, else the labels seen. The mean of the pair
//! kappas is over the pairs where kappa is defined.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use serde_json::value::RawValue;

use serde::Serialize;

use super::agreement::{
    AlphaLevel, Coincidences, FleissCategories, KappaWeights, PairKappa, cohen_kappa_pairs,
    fleiss_kappa, percent_agreement,
};
use super::boxes::{LabelledRegion, RegionImage, RegionShape, region_f1};
use super::spans::{Span, SpanDocument, span_f1};
use super::{Label, LabelMatrix, Metric, mean_of_defined};
use crate::config::{ControlKind, ControlTag};
use crate::geometry::{ImageSize, pixels_to_percent_x, pixels_to_percent_y, rectangle_corners};
use crate::result::{
    ChoicesValue, DateTimeValue, NumberValue, PairwiseValue, RatingValue, ResultValue, SpanValue,
    TaxonomyValue,
};
use crate::{GlossError, Project};

/// The IoU a box or polygon must reach to match (inclusive).
pub const REGION_IOU_THRESHOLD: f64 = 0.5;

/// The most choices `per_label` reports on (each one is a pass of every metric); beyond it,
/// `undefined.per_label` says why it is absent.
pub const MAX_PER_LABEL_CHOICES: usize = 100;

/// What to compute.
#[derive(Debug, Clone, Default)]
pub struct AgreementOptions {
    /// Only this control (by name); `None`: every control.
    pub control: Option<String>,
    /// Also split by the guideline version each annotation was made under.
    pub by_guideline_version: bool,
}

/// A project's agreement report.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectAgreement {
    /// Which annotations were counted, in words.
    pub counted: &'static str,
    pub n_annotations: usize,
    pub controls: Vec<ControlAgreement>,
    pub not_measured: Vec<NotMeasured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_guideline_version: Option<Vec<GuidelineVersionAgreement>>,
}

/// The same report restricted to the annotations made under one guideline version.
#[derive(Debug, Clone, Serialize)]
pub struct GuidelineVersionAgreement {
    /// `null`: annotations made when the project had no guidelines.
    pub guideline_version: Option<u32>,
    pub n_annotations: usize,
    pub controls: Vec<ControlAgreement>,
}

/// A control agreement does not measure, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotMeasured {
    pub control: String,
    pub reason: String,
}

/// One control's agreement. Label controls carry the kappas and alpha; span controls
/// `span_f1`; box and polygon controls `box_f1`. `undefined` gives the reason for every value
/// written as `null`.
#[derive(Debug, Clone, Serialize)]
pub struct ControlAgreement {
    pub control: String,
    /// The control's tag kind, e.g. `choices`, `rating`, `labels`, `rectanglelabels`.
    pub kind: String,
    pub n_items: usize,
    pub n_annotators: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_agreement: Option<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unanimous_fraction: Option<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohen_kappa: Option<CohenSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohen_kappa_linear: Option<CohenSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohen_kappa_quadratic: Option<CohenSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleiss_kappa: Option<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub randolph_kappa: Option<Metric>,
    /// `declared` (the config's options) or `observed`, and how many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleiss_categories: Option<CategoriesUsed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub krippendorff_alpha: Option<AlphaByLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_label: Option<Vec<LabelAgreement>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_f1: Option<RegionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub box_f1: Option<RegionSummary>,
    /// Spans without offsets, rotated boxes without an image size: not compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_regions_left_out: Option<usize>,
    /// Field name (e.g. `fleiss_kappa`, `krippendorff_alpha.ordinal`) → why it is `null`.
    pub undefined: BTreeMap<String, String>,
}

/// Krippendorff's alpha at the levels that apply to the control.
#[derive(Debug, Clone, Serialize)]
pub struct AlphaByLevel {
    pub nominal: Metric,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordinal: Option<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Metric>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoriesUsed {
    pub source: &'static str,
    pub n_categories: usize,
}

/// Cohen's kappa per annotator pair and their mean.
#[derive(Debug, Clone, Serialize)]
pub struct CohenSummary {
    pub weights: KappaWeights,
    pub pairs: Vec<PairKappaView>,
    /// Mean over the pairs whose kappa is defined.
    pub mean: Metric,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairKappaView {
    pub annotators: [String; 2],
    pub kappa: Metric,
    /// Items both labelled.
    pub items: usize,
    /// Share of those items with the same label.
    pub agreement: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined: Option<String>,
}

/// Agreement on one choice: selected or not, among the annotators who answered the control.
#[derive(Debug, Clone, Serialize)]
pub struct LabelAgreement {
    pub label: String,
    /// Answers that selected it.
    pub n_selected: usize,
    pub percent_agreement: Metric,
    pub cohen_kappa_mean: Metric,
    pub fleiss_kappa: Metric,
    pub krippendorff_alpha_nominal: Metric,
}

/// F1 per annotator pair (span F1 or IoU-matched box F1) and the mean.
#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iou_threshold: Option<f64>,
    pub pairs: Vec<PairF1View>,
    pub mean: Metric,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairF1View {
    pub annotators: [String; 2],
    /// Micro F1 over the tasks both submitted.
    pub f1: Metric,
    pub items: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined: Option<String>,
}

/// How agreement treats a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ControlTreatment {
    /// One label per task and annotator; `ordered` adds the ordinal/interval/ratio levels.
    Labels {
        ordered: bool,
    },
    Spans,
    Regions,
}

/// One annotator's contribution to one control of one task.
#[derive(Debug, Clone)]
enum Extracted {
    Label {
        label: Label,
        /// The selected choices, for `per_label` (Choices only).
        choices: Option<Vec<String>>,
    },
    Spans(Vec<Span>),
    Regions(Vec<LabelledRegion>),
}

/// Everything one control collected within one slice of annotations (all, or one version).
#[derive(Debug, Default)]
struct ControlCollection {
    /// (task id, annotator) and what they gave, in task id order (the order the store streams
    /// them; one head per task and annotator, so no key repeats).
    cells: Vec<((i64, Rc<str>), Extracted)>,
    n_regions_left_out: usize,
}

fn treatment_of(control: &ControlTag) -> Result<ControlTreatment, String> {
    if control.per_region {
        return Err(
            "a perRegion control: its results belong to regions each annotator drew differently"
                .to_owned(),
        );
    }
    match &control.kind {
        ControlKind::Choices { .. }
        | ControlKind::Taxonomy { .. }
        | ControlKind::Pairwise
        | ControlKind::DateTime { .. } => Ok(ControlTreatment::Labels { ordered: false }),
        ControlKind::Rating { .. } | ControlKind::Number { .. } => {
            Ok(ControlTreatment::Labels { ordered: true })
        }
        ControlKind::Labels { .. } => Ok(ControlTreatment::Spans),
        ControlKind::RectangleLabels { .. } | ControlKind::PolygonLabels { .. } => {
            Ok(ControlTreatment::Regions)
        }
        ControlKind::TextArea { .. } => {
            Err("free text: exact-match agreement on free text is not measured".to_owned())
        }
        ControlKind::Ranker { .. } => Err("rankings are not measured yet".to_owned()),
        ControlKind::KeyPointLabels { .. } => Err("key points are not measured yet".to_owned()),
        ControlKind::Relations { .. } => Err("relations are not measured yet".to_owned()),
    }
}

fn kind_name(control: &ControlTag) -> &'static str {
    match control.kind {
        ControlKind::Choices { .. } => "choices",
        ControlKind::Labels { .. } => "labels",
        ControlKind::RectangleLabels { .. } => "rectanglelabels",
        ControlKind::PolygonLabels { .. } => "polygonlabels",
        ControlKind::KeyPointLabels { .. } => "keypointlabels",
        ControlKind::TextArea { .. } => "textarea",
        ControlKind::Rating { .. } => "rating",
        ControlKind::Number { .. } => "number",
        ControlKind::DateTime { .. } => "datetime",
        ControlKind::Taxonomy { .. } => "taxonomy",
        ControlKind::Pairwise => "pairwise",
        ControlKind::Ranker { .. } => "ranker",
        ControlKind::Relations { .. } => "relations",
    }
}

/// A set of strings as one label: the string itself when there is one, else the sorted list
/// as JSON. `None` for an empty set.
fn set_label(values: impl IntoIterator<Item = String>) -> Option<Label> {
    let set: BTreeSet<String> = values.into_iter().collect();
    match set.len() {
        0 => None,
        1 => set.into_iter().next().map(Label::Text),
        _ => Some(Label::Text(
            serde_json::to_string(&set.into_iter().collect::<Vec<_>>()).unwrap_or_default(),
        )),
    }
}

/// The image size a region's percent coordinates refer to.
fn region_size(
    original_width: Option<u32>,
    original_height: Option<u32>,
    imported_size: Option<ImageSize>,
) -> Option<ImageSize> {
    match (original_width, original_height) {
        (Some(width), Some(height)) if width > 0 && height > 0 => Some(ImageSize { width, height }),
        _ => imported_size,
    }
}

/// One item of a stored result, read lazily: only the fields agreement looks at, with the
/// value left as raw JSON until its control is known to be measured. Parsing every result into
/// the full typed [`crate::result::ResultItem`] (an untagged enum) was most of the time of a
/// million-annotation project.
#[derive(Debug, serde::Deserialize)]
struct StoredItem<'json> {
    #[serde(default, borrow)]
    from_name: Option<Cow<'json, str>>,
    #[serde(rename = "type", default, borrow)]
    kind: Option<Cow<'json, str>>,
    #[serde(default, borrow)]
    value: Option<&'json RawValue>,
    #[serde(default)]
    original_width: Option<u32>,
    #[serde(default)]
    original_height: Option<u32>,
}

/// A stored item's value as its typed result value, or why it is not one.
fn typed_value<T: serde::de::DeserializeOwned>(item: &StoredItem<'_>) -> Result<T, String> {
    let raw = item.value.ok_or("a result item without a value")?;
    serde_json::from_str(raw.get()).map_err(|error| {
        format!(
            "the {} value of {} does not parse: {error}",
            item.kind.as_deref().unwrap_or("?"),
            item.from_name.as_deref().unwrap_or("?")
        )
    })
}

/// What `annotation_items` hold for `control`, or `None` when the annotator gave nothing.
fn extract(
    control: &ControlTag,
    treatment: ControlTreatment,
    annotation_items: &[StoredItem<'_>],
    imported_size: Option<ImageSize>,
    n_regions_left_out: &mut usize,
) -> Result<Option<Extracted>, String> {
    let results = annotation_items
        .iter()
        .filter(|item| item.from_name.as_deref() == Some(control.name.as_str()));
    match treatment {
        ControlTreatment::Labels { .. } => {
            let mut choices: Vec<String> = Vec::new();
            let mut single: Option<Label> = None;
            let mut is_choices = false;
            for item in results {
                match item.kind.as_deref() {
                    Some("choices") => {
                        let value: ChoicesValue = typed_value(item)?;
                        is_choices = true;
                        choices.extend(value.choices);
                    }
                    Some("taxonomy") => {
                        let value: TaxonomyValue = typed_value(item)?;
                        choices.extend(value.taxonomy.iter().map(|path| path.join(" / ")));
                    }
                    Some("rating") => {
                        let value: RatingValue = typed_value(item)?;
                        single = Label::number(f64::from(value.rating));
                    }
                    Some("number") => {
                        let value: NumberValue = typed_value(item)?;
                        single = Label::number(value.number);
                    }
                    Some("pairwise") => {
                        let value: PairwiseValue = typed_value(item)?;
                        single = Some(Label::Text(value.selected));
                    }
                    Some("datetime") => {
                        let value: DateTimeValue = typed_value(item)?;
                        single = Some(Label::Text(value.datetime));
                    }
                    _ => {}
                }
            }
            if let Some(label) = single {
                return Ok(Some(Extracted::Label {
                    label,
                    choices: None,
                }));
            }
            let Some(label) = set_label(choices.iter().cloned()) else {
                return Ok(None);
            };
            Ok(Some(Extracted::Label {
                label,
                choices: is_choices.then_some(choices),
            }))
        }
        ControlTreatment::Spans => {
            let mut spans = Vec::new();
            for item in results.filter(|item| item.kind.as_deref() == Some("labels")) {
                let value: SpanValue = typed_value(item)?;
                {
                    match (value.start, value.end) {
                        (Some(start), Some(end)) => {
                            spans.extend(value.labels.iter().map(|label| Span {
                                start,
                                end,
                                label: label.clone(),
                            }))
                        }
                        _ => *n_regions_left_out += 1,
                    }
                }
            }
            Ok(Some(Extracted::Spans(spans)))
        }
        ControlTreatment::Regions => {
            let mut regions = Vec::new();
            for item in results {
                let size = region_size(item.original_width, item.original_height, imported_size);
                // Every shape is compared in percent of the image: IoU does not change when the
                // axes are scaled, so this equals the IoU in pixels. Only a rotated box needs the
                // size, because it is rotated in pixel space (see `crate::geometry`).
                let value = match item.kind.as_deref() {
                    Some("rectanglelabels") => ResultValue::RectangleLabels(typed_value(item)?),
                    Some("polygonlabels") => ResultValue::PolygonLabels(typed_value(item)?),
                    _ => continue,
                };
                let (shape, labels) = match &value {
                    ResultValue::RectangleLabels(rectangle) if rectangle.rotation != 0.0 => {
                        let Some(size) = size else {
                            *n_regions_left_out += 1;
                            continue;
                        };
                        let corners = rectangle_corners(rectangle, size)
                            .iter()
                            .map(|corner| {
                                [
                                    pixels_to_percent_x(corner[0], size),
                                    pixels_to_percent_y(corner[1], size),
                                ]
                            })
                            .collect();
                        (RegionShape::Polygon(corners), &rectangle.rectanglelabels)
                    }
                    ResultValue::RectangleLabels(rectangle) => (
                        RegionShape::Box(crate::geometry::PixelBox {
                            x: rectangle.x,
                            y: rectangle.y,
                            width: rectangle.width,
                            height: rectangle.height,
                        }),
                        &rectangle.rectanglelabels,
                    ),
                    ResultValue::PolygonLabels(polygon) => (
                        RegionShape::Polygon(polygon.points.clone()),
                        &polygon.polygonlabels,
                    ),
                    _ => continue,
                };
                // A region with no label still is a region; it matches only unlabelled ones.
                if labels.is_empty() {
                    regions.push(LabelledRegion {
                        shape: shape.clone(),
                        label: String::new(),
                    });
                }
                for label in labels {
                    regions.push(LabelledRegion {
                        shape: shape.clone(),
                        label: label.clone(),
                    });
                }
            }
            Ok(Some(Extracted::Regions(regions)))
        }
    }
}

impl Project {
    /// Agreement between annotators over the project's submitted annotations (see the module
    /// documentation for what counts and how results become labels).
    pub fn agreement(&self, options: &AgreementOptions) -> Result<ProjectAgreement, GlossError> {
        let interface = self.interface();
        let mut measured: Vec<(&ControlTag, ControlTreatment)> = Vec::new();
        let mut not_measured = Vec::new();
        if let Some(name) = &options.control
            && interface.control(name).is_none()
        {
            let names: Vec<&str> = interface
                .controls
                .iter()
                .map(|control| control.name.as_str())
                .collect();
            return Err(GlossError::BadInput(format!(
                "the config has no control named {name:?} (controls: {})",
                names.join(", ")
            )));
        }
        for control in &interface.controls {
            if options
                .control
                .as_ref()
                .is_some_and(|name| *name != control.name)
            {
                continue;
            }
            match treatment_of(control) {
                Ok(treatment) => measured.push((control, treatment)),
                Err(reason) => not_measured.push(NotMeasured {
                    control: control.name.clone(),
                    reason,
                }),
            }
        }
        // Slice key: None = every annotation; Some(version) = one guideline version.
        let mut collections: BTreeMap<Option<Option<u32>>, Vec<ControlCollection>> =
            BTreeMap::new();
        let mut n_annotations_by_slice: BTreeMap<Option<Option<u32>>, usize> = BTreeMap::new();
        let needs_sizes = measured
            .iter()
            .any(|(_, treatment)| *treatment == ControlTreatment::Regions);
        let reader = self.store().reader();
        let mut size_cache: HashMap<i64, Option<ImageSize>> = HashMap::new();
        reader.for_each_submitted_head(|row| -> Result<(), GlossError> {
            let bad_result = |reason: String| {
                GlossError::BadInput(format!(
                    "task {}: the stored annotation of {} is not a valid result: {reason}",
                    row.task_id, row.annotator
                ))
            };
            let items: Vec<StoredItem<'_>> = serde_json::from_str(&row.result_json)
                .map_err(|error| bad_result(error.to_string()))?;
            let annotator: Rc<str> = Rc::from(row.annotator.as_str());
            let imported_size = if needs_sizes {
                match size_cache.get(&row.task_id) {
                    Some(size) => *size,
                    None => {
                        let size = reader
                            .task_media(row.task_id)?
                            .first()
                            .map(|media| ImageSize {
                                width: media.width,
                                height: media.height,
                            });
                        size_cache.insert(row.task_id, size);
                        size
                    }
                }
            } else {
                None
            };
            let mut slices = vec![None];
            if options.by_guideline_version {
                slices.push(Some(row.guidelines_version));
            }
            for slice in &slices {
                *n_annotations_by_slice.entry(*slice).or_default() += 1;
                let slice_collections = collections.entry(*slice).or_insert_with(|| {
                    measured
                        .iter()
                        .map(|_| ControlCollection::default())
                        .collect()
                });
                for ((control, treatment), collection) in
                    measured.iter().zip(slice_collections.iter_mut())
                {
                    if let Some(extracted) = extract(
                        control,
                        *treatment,
                        &items,
                        imported_size,
                        &mut collection.n_regions_left_out,
                    )
                    .map_err(bad_result)?
                    {
                        collection
                            .cells
                            .push(((row.task_id, Rc::clone(&annotator)), extracted));
                    }
                }
            }
            Ok(())
        })?;
        let mut report_slice = |slice: Option<Option<u32>>| -> Vec<ControlAgreement> {
            let slice_collections = collections.remove(&slice).unwrap_or_else(|| {
                measured
                    .iter()
                    .map(|_| ControlCollection::default())
                    .collect()
            });
            measured
                .iter()
                .zip(slice_collections)
                .map(|((control, treatment), collection)| {
                    control_agreement(control, *treatment, collection)
                })
                .collect()
        };
        let controls = report_slice(None);
        let by_guideline_version = options.by_guideline_version.then(|| {
            let versions: Vec<Option<u32>> = n_annotations_by_slice
                .keys()
                .filter_map(|slice| *slice)
                .collect();
            versions
                .into_iter()
                .map(|version| GuidelineVersionAgreement {
                    guideline_version: version,
                    n_annotations: n_annotations_by_slice
                        .get(&Some(version))
                        .copied()
                        .unwrap_or(0),
                    controls: report_slice(Some(version)),
                })
                .collect()
        });
        Ok(ProjectAgreement {
            counted: "each annotator's current submitted annotation per task (drafts, skips and replaced versions are not counted)",
            n_annotations: n_annotations_by_slice.get(&None).copied().unwrap_or(0),
            controls,
            not_measured,
            by_guideline_version,
        })
    }
}

/// The categories Fleiss' kappa uses for a control: the config's when it declares them and
/// every label seen is one of them.
fn declared_categories(control: &ControlTag) -> Option<Vec<Label>> {
    match &control.kind {
        ControlKind::Choices {
            multiple: false,
            options,
            dynamic_options_field: None,
            ..
        } => Some(
            options
                .iter()
                .map(|option| Label::text(option.result_value()))
                .collect(),
        ),
        ControlKind::Rating { max_rating } => Some(
            (1..=*max_rating)
                .filter_map(|rating| Label::number(f64::from(rating)))
                .collect(),
        ),
        _ => None,
    }
}

fn control_agreement(
    control: &ControlTag,
    treatment: ControlTreatment,
    collection: ControlCollection,
) -> ControlAgreement {
    let mut agreement = ControlAgreement {
        control: control.name.clone(),
        kind: kind_name(control).to_owned(),
        n_items: 0,
        n_annotators: 0,
        percent_agreement: None,
        unanimous_fraction: None,
        cohen_kappa: None,
        cohen_kappa_linear: None,
        cohen_kappa_quadratic: None,
        fleiss_kappa: None,
        randolph_kappa: None,
        fleiss_categories: None,
        krippendorff_alpha: None,
        per_label: None,
        span_f1: None,
        box_f1: None,
        n_regions_left_out: None,
        undefined: BTreeMap::new(),
    };
    let mut task_ids: Vec<i64> = collection
        .cells
        .iter()
        .map(|((task_id, _), _)| *task_id)
        .collect();
    task_ids.dedup(); // already in task id order
    let annotators: BTreeSet<&str> = collection
        .cells
        .iter()
        .map(|((_, name), _)| &**name)
        .collect();
    agreement.n_items = task_ids.len();
    agreement.n_annotators = annotators.len();
    let annotators: Vec<String> = annotators.into_iter().map(str::to_owned).collect();
    match treatment {
        ControlTreatment::Labels { ordered } => label_agreement(
            control,
            ordered,
            collection,
            &task_ids,
            &annotators,
            &mut agreement,
        ),
        ControlTreatment::Spans | ControlTreatment::Regions => {
            let summary = region_pairs(
                treatment,
                &collection,
                &annotators,
                &mut agreement.undefined,
            );
            agreement.n_regions_left_out = Some(collection.n_regions_left_out);
            if treatment == ControlTreatment::Spans {
                agreement.span_f1 = Some(summary);
            } else {
                agreement.box_f1 = Some(summary);
            }
        }
    }
    agreement
}

fn note(undefined: &mut BTreeMap<String, String>, field: &str, metric: &Metric) {
    if let Some(reason) = metric.undefined_reason() {
        undefined.insert(field.to_owned(), reason.to_string());
    }
}

fn cohen_summary(
    matrix: &LabelMatrix,
    weights: KappaWeights,
    pair_kappas: Vec<PairKappa>,
    pair_agreement: &[Vec<Option<f64>>],
) -> CohenSummary {
    let pairs: Vec<PairKappaView> = pair_kappas
        .into_iter()
        .map(|pair| PairKappaView {
            annotators: [
                matrix.annotators()[pair.a_idx].clone(),
                matrix.annotators()[pair.b_idx].clone(),
            ],
            undefined: pair.kappa.undefined_reason().map(ToString::to_string),
            kappa: pair.kappa,
            items: pair.n_items_used,
            agreement: pair_agreement[pair.a_idx][pair.b_idx],
        })
        .collect();
    let mean = if pairs.is_empty() {
        Metric::Undefined(super::Undefined::NoComparableItems {
            detail: "no two annotators labelled a common item".to_owned(),
        })
    } else {
        mean_of_defined(pairs.iter().map(|pair| &pair.kappa))
    };
    CohenSummary {
        weights,
        pairs,
        mean,
    }
}

fn label_agreement(
    control: &ControlTag,
    ordered: bool,
    collection: ControlCollection,
    task_ids: &[i64],
    annotators: &[String],
    agreement: &mut ControlAgreement,
) {
    let annotator_idx: HashMap<&str, usize> = annotators
        .iter()
        .enumerate()
        .map(|(idx, name)| (name.as_str(), idx))
        .collect();
    let mut rows: Vec<Vec<Option<Label>>> = vec![vec![None; annotators.len()]; task_ids.len()];
    let mut choice_rows: Vec<Vec<Option<Vec<String>>>> =
        vec![vec![None; annotators.len()]; task_ids.len()];
    let mut is_choices = false;
    // The cells are in task id order, as `task_ids` is: the row advances with the task id.
    let mut row = 0usize;
    for ((task_id, annotator), extracted) in collection.cells {
        while task_ids[row] != task_id {
            row += 1;
        }
        if let Extracted::Label { label, choices } = extracted {
            let column = annotator_idx[&*annotator];
            rows[row][column] = Some(label);
            if let Some(choices) = choices {
                is_choices = true;
                choice_rows[row][column] = Some(choices);
            }
        }
    }
    let items: Vec<String> = task_ids.iter().map(ToString::to_string).collect();
    let Ok(matrix) = LabelMatrix::from_rows(items.clone(), annotators.to_vec(), rows) else {
        return; // the rows are built with one cell per annotator above
    };
    let undefined = &mut agreement.undefined;
    let percent = percent_agreement(&matrix);
    note(undefined, "percent_agreement", &percent.item_pairwise_mean);
    let cohen = cohen_summary(
        &matrix,
        KappaWeights::None,
        percent.cohen_pairs(),
        &percent.pair_agreement,
    );
    note(undefined, "cohen_kappa.mean", &cohen.mean);
    if ordered {
        let linear = cohen_summary(
            &matrix,
            KappaWeights::Linear,
            cohen_kappa_pairs(&matrix, KappaWeights::Linear),
            &percent.pair_agreement,
        );
        let quadratic = cohen_summary(
            &matrix,
            KappaWeights::Quadratic,
            cohen_kappa_pairs(&matrix, KappaWeights::Quadratic),
            &percent.pair_agreement,
        );
        note(undefined, "cohen_kappa_linear.mean", &linear.mean);
        note(undefined, "cohen_kappa_quadratic.mean", &quadratic.mean);
        agreement.cohen_kappa_linear = Some(linear);
        agreement.cohen_kappa_quadratic = Some(quadratic);
    }
    // Fleiss over the items with two or more labels.
    let fleiss_matrix = matrix.filter_items(|item_idx| matrix.n_labelled(item_idx) >= 2);
    let seen: BTreeSet<&Label> = (0..fleiss_matrix.n_items())
        .flat_map(|item_idx| fleiss_matrix.row(item_idx).iter().flatten())
        .collect();
    let (categories, source) = match declared_categories(control) {
        Some(declared) if seen.iter().all(|label| declared.contains(label)) => {
            (FleissCategories::Declared(declared), "declared")
        }
        _ => (FleissCategories::Observed, "observed"),
    };
    let fleiss = fleiss_kappa(&fleiss_matrix, &categories);
    note(undefined, "fleiss_kappa", &fleiss.fleiss_kappa);
    note(undefined, "randolph_kappa", &fleiss.randolph_kappa);
    let alpha = match Coincidences::new(&matrix, None) {
        Ok(coincidences) => AlphaByLevel {
            nominal: coincidences.alpha(AlphaLevel::Nominal),
            ordinal: ordered.then(|| coincidences.alpha(AlphaLevel::Ordinal)),
            interval: ordered.then(|| coincidences.alpha(AlphaLevel::Interval)),
            ratio: ordered.then(|| coincidences.alpha(AlphaLevel::Ratio)),
        },
        Err(reason) => {
            let metric = Metric::Undefined(reason);
            AlphaByLevel {
                nominal: metric.clone(),
                ordinal: ordered.then(|| metric.clone()),
                interval: ordered.then(|| metric.clone()),
                ratio: ordered.then(|| metric.clone()),
            }
        }
    };
    note(undefined, "krippendorff_alpha.nominal", &alpha.nominal);
    for (level, metric) in [
        ("ordinal", &alpha.ordinal),
        ("interval", &alpha.interval),
        ("ratio", &alpha.ratio),
    ] {
        if let Some(metric) = metric {
            note(undefined, &format!("krippendorff_alpha.{level}"), metric);
        }
    }
    agreement.percent_agreement = Some(percent.item_pairwise_mean);
    agreement.unanimous_fraction = Some(percent.unanimous_fraction);
    agreement.cohen_kappa = Some(cohen);
    agreement.fleiss_categories = Some(CategoriesUsed {
        source,
        n_categories: fleiss.categories.len(),
    });
    agreement.fleiss_kappa = Some(fleiss.fleiss_kappa);
    agreement.randolph_kappa = Some(fleiss.randolph_kappa);
    agreement.krippendorff_alpha = Some(alpha);
    if is_choices {
        match per_label_agreement(control, &items, annotators, &choice_rows) {
            Ok(per_label) => agreement.per_label = Some(per_label),
            Err(reason) => {
                agreement.undefined.insert("per_label".to_owned(), reason);
            }
        }
    }
}

/// For each choice (the config's, then any other seen), agreement on "selected or not".
fn per_label_agreement(
    control: &ControlTag,
    items: &[String],
    annotators: &[String],
    choice_rows: &[Vec<Option<Vec<String>>>],
) -> Result<Vec<LabelAgreement>, String> {
    let mut labels: Vec<String> = match &control.kind {
        ControlKind::Choices { options, .. } => options
            .iter()
            .map(|option| option.result_value().to_owned())
            .collect(),
        _ => Vec::new(),
    };
    let seen: BTreeSet<&String> = choice_rows
        .iter()
        .flatten()
        .flatten()
        .flat_map(|set| set.iter())
        .collect();
    let declared: HashSet<String> = labels.iter().cloned().collect();
    labels.extend(
        seen.into_iter()
            .filter(|label| !declared.contains(*label))
            .cloned(),
    );
    // Each choice costs a pass of every metric over the whole matrix.
    if labels.len() > MAX_PER_LABEL_CHOICES {
        return Err(format!(
            "{} different choices; per-label agreement is computed for at most {MAX_PER_LABEL_CHOICES}",
            labels.len()
        ));
    }
    Ok(labels
        .into_iter()
        .filter_map(|label| {
            let mut n_selected = 0;
            let cells: Vec<Option<Label>> = choice_rows
                .iter()
                .flatten()
                .map(|cell| {
                    cell.as_ref().map(|choices| {
                        let selected = choices.contains(&label);
                        n_selected += usize::from(selected);
                        Label::Number(if selected { 1.0 } else { 0.0 })
                    })
                })
                .collect();
            // The item names are not reported per label: empty names cost no allocation.
            let item_names = vec![String::new(); items.len()];
            let matrix =
                LabelMatrix::from_row_major(item_names, annotators.to_vec(), cells).ok()?;
            let percent = percent_agreement(&matrix);
            let cohen = percent.cohen_pairs();
            let fleiss_matrix = matrix.filter_items(|item_idx| matrix.n_labelled(item_idx) >= 2);
            let fleiss = fleiss_kappa(
                &fleiss_matrix,
                &FleissCategories::Declared(vec![Label::Number(0.0), Label::Number(1.0)]),
            );
            Some(LabelAgreement {
                label,
                n_selected,
                percent_agreement: percent.item_pairwise_mean,
                cohen_kappa_mean: mean_of_defined(cohen.iter().map(|pair| &pair.kappa)),
                fleiss_kappa: fleiss.fleiss_kappa,
                krippendorff_alpha_nominal: super::agreement::krippendorff_alpha(
                    &matrix,
                    AlphaLevel::Nominal,
                    None,
                ),
            })
        })
        .collect())
}

/// Span F1 or box F1 per annotator pair over the tasks both submitted.
fn region_pairs(
    treatment: ControlTreatment,
    collection: &ControlCollection,
    annotators: &[String],
    undefined: &mut BTreeMap<String, String>,
) -> RegionSummary {
    let mut by_annotator: BTreeMap<&str, BTreeMap<i64, &Extracted>> = BTreeMap::new();
    for ((task_id, annotator), extracted) in &collection.cells {
        by_annotator
            .entry(&**annotator)
            .or_default()
            .insert(*task_id, extracted);
    }
    let mut pairs = Vec::new();
    for (a_idx, a_name) in annotators.iter().enumerate() {
        for b_name in &annotators[a_idx + 1..] {
            let (Some(a_tasks), Some(b_tasks)) = (
                by_annotator.get(a_name.as_str()),
                by_annotator.get(b_name.as_str()),
            ) else {
                continue;
            };
            let common: Vec<(i64, &Extracted, &Extracted)> = a_tasks
                .iter()
                .filter_map(|(task_id, a)| b_tasks.get(task_id).map(|b| (*task_id, *a, *b)))
                .collect();
            if common.is_empty() {
                continue;
            }
            let f1 = match treatment {
                ControlTreatment::Spans => {
                    let documents: Vec<SpanDocument> = common
                        .iter()
                        .filter_map(|(task_id, a, b)| match (a, b) {
                            (Extracted::Spans(a), Extracted::Spans(b)) => Some(SpanDocument {
                                id: task_id.to_string(),
                                a: a.clone(),
                                b: b.clone(),
                            }),
                            _ => None,
                        })
                        .collect();
                    Metric::Value(span_f1(&documents, true).micro_f1)
                }
                _ => {
                    let images: Vec<RegionImage> = common
                        .iter()
                        .filter_map(|(task_id, a, b)| match (a, b) {
                            (Extracted::Regions(a), Extracted::Regions(b)) => Some(RegionImage {
                                id: task_id.to_string(),
                                a: a.clone(),
                                b: b.clone(),
                            }),
                            _ => None,
                        })
                        .collect();
                    match region_f1(&images, REGION_IOU_THRESHOLD, true) {
                        Ok(f1) => Metric::Value(f1.micro_f1),
                        Err(reason) => Metric::Undefined(reason),
                    }
                }
            };
            pairs.push(PairF1View {
                annotators: [a_name.clone(), b_name.clone()],
                undefined: f1.undefined_reason().map(ToString::to_string),
                f1,
                items: common.len(),
            });
        }
    }
    let mean = if pairs.is_empty() {
        Metric::Undefined(super::Undefined::NoComparableItems {
            detail: "no two annotators submitted a common task".to_owned(),
        })
    } else {
        mean_of_defined(pairs.iter().map(|pair| &pair.f1))
    };
    let field = if treatment == ControlTreatment::Spans {
        "span_f1.mean"
    } else {
        "box_f1.mean"
    };
    note(undefined, field, &mean);
    RegionSummary {
        iou_threshold: (treatment == ControlTreatment::Regions).then_some(REGION_IOU_THRESHOLD),
        pairs,
        mean,
    }
}
