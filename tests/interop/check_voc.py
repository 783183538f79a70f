"""Reads a Gloss `voc` export with Roboflow's `supervision` (`sv.DetectionDataset.from_pascal_voc`),
a maintained Pascal VOC reader people use to load VOC datasets for training and evaluation.

Usage: check_voc.py DIR EXPECTED.json SCRATCH

`supervision` pairs each image in an images folder with `Annotations/<image stem>.xml`. The
export does not copy images (VOC's `JPEGImages/` is the user's), so this script lays out
SCRATCH/JPEGImages the way a VOC dataset has it: a symlink per annotation to the image file the
test names (`source`), or, for an image that is a URL in the project, a blank PNG of the size
the test expects. EXPECTED.json holds {"images": {"<stem>": {"source": path or null, "width",
"height", "objects": [["<name>", [xmin, ymin, xmax, ymax]], ...]}}, "splits": ["<split>", ...]}
with boxes in supervision's zero-based pixel corners; with splits, every image must be listed in
exactly one `ImageSets/Main/<split>.txt`. Exits non-zero
with a message on the first mismatch; prints "ok" otherwise.
"""

import json
import os
import sys
import warnings

# supervision warns once that OpenCV is absent and uses its NumPy/Pillow backend instead; the
# VOC parsing is the same code either way.
warnings.filterwarnings("ignore", message=".*OpenCV.*")

import numpy as np  # noqa: E402
import supervision as sv  # noqa: E402
from PIL import Image  # noqa: E402


def fail(message):
    print(f"check_voc: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    directory, expected_path, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(expected_path, encoding="utf-8") as expected_file:
        expected = json.load(expected_file)
    annotations_dir = os.path.join(directory, "Annotations")
    stems = sorted(name[: -len(".xml")] for name in os.listdir(annotations_dir) if name.endswith(".xml"))
    if stems != sorted(expected["images"]):
        fail(f"annotation files {stems} != {sorted(expected['images'])}")

    images_dir = os.path.join(scratch, "JPEGImages")
    os.makedirs(images_dir, exist_ok=True)
    for stem, image in expected["images"].items():
        target = os.path.join(images_dir, f"{stem}.png")
        if image["source"] is not None:
            os.symlink(image["source"], target)
        else:
            Image.new("RGB", (image["width"], image["height"])).save(target)

    dataset = sv.DetectionDataset.from_pascal_voc(
        images_directory_path=images_dir, annotations_directory_path=annotations_dir
    )
    if len(dataset) != len(stems):
        fail(f"supervision loaded {len(dataset)} images, expected {len(stems)}")
    expected_classes = sorted({name for image in expected["images"].values() for name, _ in image["objects"]})
    if sorted(dataset.classes) != expected_classes:
        fail(f"classes {dataset.classes} != {expected_classes}")
    for image_path, pixels, detections in dataset:
        stem = os.path.splitext(os.path.basename(image_path))[0]
        want = expected["images"][stem]
        if pixels.shape[1] != want["width"] or pixels.shape[0] != want["height"]:
            fail(f"{stem}: image is {pixels.shape[1]} x {pixels.shape[0]}, expected {want['width']} x {want['height']}")
        got = sorted(
            (dataset.classes[int(class_id)], [round(float(value), 3) for value in box])
            for class_id, box in zip(detections.class_id, detections.xyxy)
        )
        want_objects = sorted((name, [float(value) for value in box]) for name, box in want["objects"])
        if got != want_objects:
            fail(f"{stem}: objects {got} != {want_objects}")
        if len(detections) and not np.all(detections.xyxy[:, 2:] <= [want["width"], want["height"]]):
            fail(f"{stem}: a box leaves the image: {detections.xyxy}")

    # With --split: every image is listed in exactly one ImageSets/Main/<split>.txt.
    listed_stems = []
    for split in expected.get("splits", []):
        list_path = os.path.join(directory, "ImageSets", "Main", f"{split}.txt")
        with open(list_path, encoding="utf-8") as list_file:
            listed_stems.extend(line.strip() for line in list_file if line.strip())
    if expected.get("splits") and sorted(listed_stems) != stems:
        fail(f"the split lists name {sorted(listed_stems)}, the annotations are {stems}")
    print("ok")


if __name__ == "__main__":
    main()
