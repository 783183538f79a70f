"""Reads a Gloss `yolo` export made with `--split` the way Ultralytics reads a dataset: parses
`data.yaml` with PyYAML, resolves `train`/`val`/`test` against `path`, lists the images in each
folder and finds each image's labels by replacing `images` with `labels` in its path.

Usage: check_yolo.py DIR EXPECTED.json

EXPECTED.json holds {"names": [...], "keys": {"train": "images/train", ...}, "labels":
{"<image file stem>": "<label file text>"}}. Exits non-zero with a message on the first mismatch;
prints "ok" otherwise.
"""

import json
import os
import sys

import yaml

IMAGE_EXTENSIONS = {".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"}


def fail(message):
    print(f"check_yolo: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    directory, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path, encoding="utf-8") as expected_file:
        expected = json.load(expected_file)
    with open(os.path.join(directory, "data.yaml"), encoding="utf-8") as data_file:
        data = yaml.safe_load(data_file)

    names = [data["names"][index] for index in sorted(data["names"])]
    if names != expected["names"] or data["nc"] != len(names):
        fail(f"names {data['names']} / nc {data['nc']} != {expected['names']}")
    keys = {key: data[key] for key in ("train", "val", "test") if key in data}
    if keys != expected["keys"]:
        fail(f"keys {keys} != {expected['keys']}")

    root = os.path.join(directory, data["path"])
    found = {}
    for key, folder in keys.items():
        images_dir = os.path.join(root, folder)
        if not os.path.isdir(images_dir):
            fail(f"{key}: {images_dir} is not a folder")
        for file_name in os.listdir(images_dir):
            stem, extension = os.path.splitext(file_name)
            if extension.lower() not in IMAGE_EXTENSIONS:
                fail(f"{key}: {file_name} is not an image")
            image_path = os.path.join(images_dir, file_name)
            # Ultralytics' img2label_paths: the last /images/ becomes /labels/, the extension .txt.
            label_path = "/labels/".join(image_path.rsplit("/images/", 1))
            label_path = os.path.splitext(label_path)[0] + ".txt"
            if not os.path.isfile(label_path):
                fail(f"{key}: no labels for {image_path} at {label_path}")
            with open(label_path, encoding="utf-8") as label_file:
                found[stem] = label_file.read()
    for stem, text in expected["labels"].items():
        if found.get(stem) != text:
            fail(f"labels of {stem}: {found.get(stem)!r} != {text!r}")
    print("ok")


if __name__ == "__main__":
    main()
