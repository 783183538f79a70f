"""Loads a Gloss `coco` export with `pycocotools.coco.COCO` and checks it against what Gloss saved.

Usage: check_coco.py COCO.json EXPECTED.json

EXPECTED.json holds {"images": {file_name_and_id: [width, height]}, "categories": [names in id
order], "bboxes": {"<image_id>": [[category_name, [x, y, w, h]], ...]}}. Every annotation with a
`segmentation` must give an `annToMask` pixel count close to its `area` (rasterising loses at most
about half a pixel along the outline).

Optional keys: "keypoint_names" (every category's `keypoints` list) and "keypoints"
({"<image_id>": [[category_name, [x, y, v, ...]], ...]}); then COCO's own keypoint evaluation
(`COCOeval(..., "keypoints")`) is run with the ground truth as detections and must score AP 1.0,
which shows the file is what COCO's evaluator and the trainers built on it read.

Exits non-zero with a message on the first mismatch; prints "ok" otherwise.
"""

import json
import sys

import numpy
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def fail(message):
    print(f"check_coco: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    coco_path, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path, encoding="utf-8") as expected_file:
        expected = json.load(expected_file)

    coco = COCO(coco_path)

    names = [coco.loadCats(category_id)[0]["name"] for category_id in sorted(coco.getCatIds())]
    if names != expected["categories"]:
        fail(f"categories {names} != {expected['categories']}")

    sizes = {str(image["id"]): [image["width"], image["height"]] for image in coco.loadImgs(coco.getImgIds())}
    if sizes != expected["images"]:
        fail(f"image sizes {sizes} != {expected['images']}")

    for image_id, expected_boxes in expected["bboxes"].items():
        annotations = coco.loadAnns(coco.getAnnIds(imgIds=[int(image_id)]))
        got = [
            [coco.loadCats(annotation["category_id"])[0]["name"], [round(value, 3) for value in annotation["bbox"]]]
            for annotation in annotations
        ]
        if got != expected_boxes:
            fail(f"image {image_id}: boxes {got} != {expected_boxes}")

    if "keypoint_names" in expected:
        check_keypoints(coco, expected)

    n_checked = 0
    for annotation in coco.loadAnns(coco.getAnnIds()):
        if "segmentation" not in annotation:
            continue
        mask = coco.annToMask(annotation)
        image = coco.loadImgs(annotation["image_id"])[0]
        if mask.shape != (image["height"], image["width"]):
            fail(f"annotation {annotation['id']}: mask shape {mask.shape}")
        x, y, width, height = annotation["bbox"]
        tolerance = (width + height) / 2
        if abs(int(mask.sum()) - annotation["area"]) > tolerance:
            fail(
                f"annotation {annotation['id']}: annToMask covers {int(mask.sum())} pixels, "
                f"area says {annotation['area']}"
            )
        n_checked += 1
    if n_checked == 0 and "keypoint_names" not in expected:
        fail("no annotations to check")
    print("ok")


def check_keypoints(coco, expected):
    names = expected["keypoint_names"]
    for category in coco.loadCats(coco.getCatIds()):
        if category.get("keypoints") != names:
            fail(f"category {category['name']}: keypoints {category.get('keypoints')} != {names}")
    for image_id, expected_points in expected["keypoints"].items():
        annotations = coco.loadAnns(coco.getAnnIds(imgIds=[int(image_id)]))
        got = [
            [coco.loadCats(annotation["category_id"])[0]["name"], [round(value, 3) for value in annotation["keypoints"]]]
            for annotation in annotations
            if "keypoints" in annotation
        ]
        if got != expected_points:
            fail(f"image {image_id}: keypoints {got} != {expected_points}")
        for annotation in annotations:
            placed = sum(1 for v in annotation["keypoints"][2::3] if v > 0)
            if annotation["num_keypoints"] != placed:
                fail(f"annotation {annotation['id']}: num_keypoints {annotation['num_keypoints']} != {placed}")

    detections = [
        {
            "image_id": annotation["image_id"],
            "category_id": annotation["category_id"],
            "keypoints": annotation["keypoints"],
            "score": 1.0,
        }
        for annotation in coco.loadAnns(coco.getAnnIds())
        if annotation.get("num_keypoints", 0) > 0
    ]
    evaluation = COCOeval(coco, coco.loadRes(detections), "keypoints")
    # COCO's default sigmas are for its 17 person joints; one per name here.
    evaluation.params.kpt_oks_sigmas = numpy.full(len(names), 0.05)
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    average_precision = evaluation.stats[0]
    if abs(average_precision - 1.0) > 1e-9:
        fail(f"keypoint AP of the ground truth against itself is {average_precision}, not 1.0")


if __name__ == "__main__":
    main()
