//! Edge cases of the agreement metrics that the public vectors do not cover: input the metrics
//! refuse (ragged matrices), input too large for a label × label table (refused as undefined
//! instead of allocating without bound), and IoU that cannot be computed exactly.

use gloss::qc::agreement::{
    AlphaLevel, Coincidences, FleissCategories, KappaWeights, cohen_kappa, fleiss_kappa,
};
use gloss::qc::boxes::{LabelledRegion, RegionImage, RegionShape, region_f1};
use gloss::qc::{Label, LabelMatrix, MAX_DISTINCT_LABELS, Metric, QcInputError, Undefined};

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|idx| format!("{prefix}{idx}")).collect()
}

#[test]
fn a_matrix_whose_rows_do_not_fit_is_refused_with_the_reason() {
    let one = || Some(Label::text("x"));
    let error =
        LabelMatrix::from_rows(names("i", 2), names("a", 2), vec![vec![one(), one()]]).unwrap_err();
    assert_eq!(
        error,
        QcInputError::RowCountMismatch {
            n_items: 2,
            n_rows: 1
        }
    );
    let error = LabelMatrix::from_rows(
        names("i", 2),
        names("a", 2),
        vec![vec![one(), one()], vec![one()]],
    )
    .unwrap_err();
    assert_eq!(
        error,
        QcInputError::RaggedRow {
            item_idx: 1,
            expected: 2,
            found: 1
        }
    );
    let matrix =
        LabelMatrix::from_rows(names("i", 1), names("a", 2), vec![vec![one(), one()]]).unwrap();
    assert!(matches!(
        cohen_kappa(&matrix, 0, 2, KappaWeights::None),
        Err(QcInputError::AnnotatorOutOfRange {
            annotator_idx: 2,
            ..
        })
    ));
}

#[test]
fn more_distinct_labels_than_the_tables_allow_is_undefined_not_a_huge_allocation() {
    // Free numbers: every item a different value, both annotators agreeing.
    let n_items = MAX_DISTINCT_LABELS + 1;
    let rows: Vec<Vec<Option<Label>>> = (0..n_items)
        .map(|value| {
            let label = Label::number(value as f64);
            vec![label.clone(), label]
        })
        .collect();
    let matrix = LabelMatrix::from_rows(names("i", n_items), names("a", 2), rows).unwrap();
    let too_many = |metric: &Metric| {
        matches!(
            metric,
            Metric::Undefined(Undefined::TooManyLabels { n_labels, max })
                if *n_labels == n_items && *max == MAX_DISTINCT_LABELS
        )
    };
    let kappa = cohen_kappa(&matrix, 0, 1, KappaWeights::Quadratic).unwrap();
    assert!(too_many(&kappa.kappa), "{kappa:?}");
    let fleiss = fleiss_kappa(&matrix, &FleissCategories::Observed);
    assert!(too_many(&fleiss.fleiss_kappa) && too_many(&fleiss.randolph_kappa));
    let coincidences = Coincidences::new(&matrix, None).unwrap_err();
    assert!(too_many(&Metric::Undefined(coincidences)));
    // One label fewer is computed: identical answers, alpha 1.
    let matrix = matrix.filter_items(|item_idx| item_idx < MAX_DISTINCT_LABELS);
    let alpha = Coincidences::new(&matrix, None)
        .unwrap()
        .alpha(AlphaLevel::Interval);
    assert_eq!(alpha, Metric::Value(1.0));
}

#[test]
fn overlapping_non_convex_polygons_make_box_f1_undefined_and_disjoint_ones_do_not() {
    // Two "L" shapes (non-convex): the geometry has no exact IoU for them.
    let l_shape = |dx: f64| {
        RegionShape::Polygon(vec![
            [dx, 0.0],
            [dx + 10.0, 0.0],
            [dx + 10.0, 2.0],
            [dx + 2.0, 2.0],
            [dx + 2.0, 10.0],
            [dx, 10.0],
        ])
    };
    let image = |a: RegionShape, b: RegionShape| RegionImage {
        id: "img".to_owned(),
        a: vec![LabelledRegion {
            shape: a,
            label: "x".to_owned(),
        }],
        b: vec![LabelledRegion {
            shape: b,
            label: "x".to_owned(),
        }],
    };
    let overlapping = region_f1(&[image(l_shape(0.0), l_shape(1.0))], 0.5, true);
    assert!(
        matches!(overlapping, Err(Undefined::IouNotComputable { .. })),
        "{overlapping:?}"
    );
    // Bounding boxes apart: IoU is 0 exactly, so no match and a defined F1 of 0.
    let apart = region_f1(&[image(l_shape(0.0), l_shape(50.0))], 0.5, true).unwrap();
    assert_eq!((apart.tp, apart.micro_f1), (0, 0.0));
}
