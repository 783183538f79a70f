"""Loads a Gloss `coco` export with `pycocotools.coco.COCO` and checks it against what Gloss saved.

Usage: check_coco.py COCO.json EXPECTED.json

EXPECTED.json holds {"images": {file_name_and_id: [width, height]}, "categories": [names in id
order], "bboxes": {"<image_id>": [[category_name, [x, y, w, h]], ...]}}. Every annotation's
`annToMask` pixel count must be close to its `area` (rasterising loses at most about half a pixel
along the outline). Exits non-zero with a message on the first mismatch; prints "ok" otherwise.
"""

import json
import sys

from pycocotools.coco import COCO


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

    n_checked = 0
    for annotation in coco.loadAnns(coco.getAnnIds()):
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
    if n_checked == 0:
        fail("no annotations to check")
    print("ok")


if __name__ == "__main__":
    main()
