//! `voc`: Pascal VOC XML, one `Annotations/<image stem>.xml` per image.
//!
//! Each file has `filename`, `path` (the file import resolved, when known), `size`
//! (`width`, `height`, `depth` — always 3: the header-only read at import does not keep the
//! channel count) and one `object` per region with `name`, `pose` `Unspecified`, `truncated`
//! and `difficult` 0, and `bndbox` in VOC's 1-based integer pixels: `xmin = round(x) + 1`,
//! `xmax = round(x + w)`, clamped into the image. VOC has no polygons, so a polygon or a
//! rotated rectangle is written as its axis-aligned box. Which tasks go in, and how a stem
//! that two images share is made unique: `vision.rs`.
//!
//! With `--split`, `ImageSets/Main/<split>.txt` lists the stems of each split's images, one a
//! line, as VOC's own `train.txt`/`val.txt` do (every declared split gets a file, possibly
//! empty). Images are not copied.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::vision::{OutputDir, RegionCounts, StemNames, VisionPlan};
use super::{ExportError, ExportOptions, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;

pub struct VocExporter {
    plan: VisionPlan,
    output: OutputDir,
    stems: StemNames,
    /// Per `--split` part, in order: its name and the stems of its images.
    split_lists: Vec<(String, String)>,
    left_out_regions: RegionCounts,
}

impl VocExporter {
    pub fn new(interface: &Interface, options: &ExportOptions) -> Result<VocExporter, ExportError> {
        let output = OutputDir::create(&options.out)?;
        let annotations_dir = output.temporary_dir.join("Annotations");
        std::fs::create_dir_all(&annotations_dir).map_err(ExportError::io(&annotations_dir))?;
        Ok(VocExporter {
            plan: VisionPlan::new(interface),
            output,
            stems: StemNames::default(),
            split_lists: options
                .split
                .iter()
                .flat_map(|spec| {
                    spec.parts
                        .iter()
                        .map(|(name, _)| (name.clone(), String::new()))
                })
                .collect(),
            left_out_regions: RegionCounts::default(),
        })
    }
}

impl Exporter for VocExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let Some(image) = self.plan.image(task) else {
            return Ok(());
        };
        self.left_out_regions.add_image(&image, false);
        let (width, height) = (image.size.width, image.size.height);
        let base_name = image
            .file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut xml = String::from("<annotation>\n  <folder></folder>\n");
        let _ = writeln!(xml, "  <filename>{}</filename>", escape(base_name.as_str()));
        let path = image
            .resolved_path
            .clone()
            .unwrap_or(image.file_name.clone());
        let _ = writeln!(xml, "  <path>{}</path>", escape(path.as_str()));
        xml.push_str("  <source>\n    <database>Gloss</database>\n  </source>\n");
        let _ = writeln!(
            xml,
            "  <size>\n    <width>{width}</width>\n    <height>{height}</height>\n    <depth>3</depth>\n  </size>\n  <segmented>0</segmented>"
        );
        for object in &image.objects {
            let bbox = object.bbox.clamped_to(image.size);
            let x_min = (bbox.x.round() as u32 + 1).min(width);
            let y_min = (bbox.y.round() as u32 + 1).min(height);
            let x_max = (bbox.x_max().round() as u32).clamp(x_min, width);
            let y_max = (bbox.y_max().round() as u32).clamp(y_min, height);
            let name = &self.plan.categories[object.category_idx];
            let _ = writeln!(
                xml,
                "  <object>\n    <name>{}</name>\n    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n    <difficult>0</difficult>\n    <bndbox>\n      <xmin>{x_min}</xmin>\n      <ymin>{y_min}</ymin>\n      <xmax>{x_max}</xmax>\n      <ymax>{y_max}</ymax>\n    </bndbox>\n  </object>",
                escape(name.as_str())
            );
        }
        xml.push_str("</annotation>\n");
        let stem = self.stems.name_for(&image);
        let xml_path = self
            .output
            .temporary_dir
            .join("Annotations")
            .join(format!("{stem}.xml"));
        std::fs::write(&xml_path, xml).map_err(ExportError::io(&xml_path))?;
        if let Some(split) = &task.split
            && let Some((_, list)) = self.split_lists.iter_mut().find(|(name, _)| name == split)
        {
            list.push_str(&stem);
            list.push('\n');
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        let labels: String = self
            .plan
            .categories
            .iter()
            .map(|name| format!("{name}\n"))
            .collect();
        let path = self.output.temporary_dir.join("labels.txt");
        std::fs::write(&path, labels).map_err(ExportError::io(&path))?;
        if !self.split_lists.is_empty() {
            let sets_dir = self.output.temporary_dir.join("ImageSets").join("Main");
            std::fs::create_dir_all(&sets_dir).map_err(ExportError::io(&sets_dir))?;
            for (split, list) in &self.split_lists {
                let path = sets_dir.join(format!("{split}.txt"));
                std::fs::write(&path, list).map_err(ExportError::io(&path))?;
            }
        }
        self.output.commit()
    }

    fn writes_unanswered_tasks(&self) -> bool {
        false
    }

    fn needs(&self) -> super::ExportNeeds {
        super::ExportNeeds {
            parsed_data: true,
            answer: true,
            media: true,
        }
    }

    fn skip_reason(&self, task: &ExportTask) -> Option<&'static str> {
        self.plan
            .image_size(task)
            .is_none()
            .then_some(super::vision::NO_IMAGE_SIZE)
    }

    fn left_out_regions(&self) -> Vec<(String, u64)> {
        self.left_out_regions.to_vec()
    }
}
