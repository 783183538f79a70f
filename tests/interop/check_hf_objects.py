"""Loads a Gloss `hf` object-detection export (imagefolder layout) with Hugging Face `datasets`
and checks it against what Gloss saved.

Usage: check_hf_objects.py DIR EXPECTED.json

EXPECTED.json holds {"splits": {name: n_rows}, "category_names": [...], "images": {"<image_id>":
{"size": [width, height], "bbox": [[x, y, w, h], ...], "category": [name, ...]}}}. The features
must come from the dataset card alone (nothing is passed to `load_dataset` but the directory):
`image` an Image, `objects.category` a list of ClassLabel with the config's names. Each decoded
image must have the size the row states. Exits non-zero with a message on the first mismatch;
prints "ok" otherwise.
"""

import json
import sys

import datasets


def fail(message):
    print(f"check_hf_objects: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    directory, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path, encoding="utf-8") as expected_file:
        expected = json.load(expected_file)

    dataset = datasets.load_dataset(directory)

    splits = {name: dataset[name].num_rows for name in dataset}
    if splits != expected["splits"]:
        fail(f"splits {splits} != expected {expected['splits']}")

    seen = set()
    for name in dataset:
        features = dataset[name].features
        if not isinstance(features["image"], datasets.Image):
            fail(f"{name}: image is {features['image']!r}, not an Image")
        category = features["objects"]["category"]
        inner = getattr(category, "feature", None)
        if not isinstance(inner, datasets.ClassLabel):
            fail(f"{name}: objects.category is {category!r}, not a list of ClassLabel")
        if inner.names != expected["category_names"]:
            fail(f"{name}: category names {inner.names} != {expected['category_names']}")

        for row in dataset[name]:
            image_id = str(row["image_id"])
            saved = expected["images"].get(image_id)
            if saved is None:
                fail(f"{name}: unexpected image {image_id}")
            seen.add(image_id)
            size = [row["width"], row["height"]]
            if size != saved["size"]:
                fail(f"{name}: image {image_id}: size {size} != {saved['size']}")
            if list(row["image"].size) != saved["size"]:
                fail(f"{name}: image {image_id}: decoded size {row['image'].size} != {saved['size']}")
            bboxes = [[round(value, 3) for value in bbox] for bbox in row["objects"]["bbox"]]
            if bboxes != saved["bbox"]:
                fail(f"{name}: image {image_id}: bbox {bboxes} != {saved['bbox']}")
            labels = [inner.int2str(index) for index in row["objects"]["category"]]
            if labels != saved["category"]:
                fail(f"{name}: image {image_id}: categories {labels} != {saved['category']}")

    if seen != set(expected["images"]):
        fail(f"images {sorted(seen)} != expected {sorted(expected['images'])}")
    print("ok")


if __name__ == "__main__":
    main()
