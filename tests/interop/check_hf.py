"""Loads a Gloss `hf` export with Hugging Face `datasets` and checks it against what Gloss saved.

Usage: check_hf.py DIR EXPECTED.json

EXPECTED.json holds {"splits": {name: n_rows}, "labels": {body: {"urgency": str,
"topics": [str]}}, "urgency_names": [...], "topics_names": [...]}. The features must come from
the dataset card alone (nothing is passed to `load_dataset` but the directory). Exits non-zero
with a message on the first mismatch; prints "ok" otherwise.
"""

import json
import sys

import datasets


def fail(message):
    print(f"check_hf: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    directory, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path, encoding="utf-8") as expected_file:
        expected = json.load(expected_file)

    dataset = datasets.load_dataset(directory)

    splits = {name: dataset[name].num_rows for name in dataset}
    if splits != expected["splits"]:
        fail(f"splits {splits} != expected {expected['splits']}")

    for name in dataset:
        features = dataset[name].features
        urgency = features["urgency"]
        if not isinstance(urgency, datasets.ClassLabel):
            fail(f"{name}: urgency is {urgency!r}, not a ClassLabel")
        if urgency.names != expected["urgency_names"]:
            fail(f"{name}: urgency names {urgency.names} != {expected['urgency_names']}")

        topics = features["topics"]
        inner = getattr(topics, "feature", None)
        if not isinstance(topics, (datasets.Sequence, getattr(datasets, "List", ()))) or not isinstance(
            inner, datasets.ClassLabel
        ):
            fail(f"{name}: topics is {topics!r}, not a list of ClassLabel")
        if inner.names != expected["topics_names"]:
            fail(f"{name}: topics names {inner.names} != {expected['topics_names']}")

        if features["body"] != datasets.Value("string"):
            fail(f"{name}: body is {features['body']!r}, not a string")

        for row in dataset[name]:
            saved = expected["labels"].get(row["body"])
            if saved is None:
                fail(f"{name}: unexpected row {row['body']!r}")
            urgency_label = urgency.int2str(row["urgency"])
            if urgency_label != saved["urgency"]:
                fail(f"{name}: {row['body']!r}: urgency {urgency_label!r} != saved {saved['urgency']!r}")
            if row["topics"] is None:
                fail(f"{name}: {row['body']!r}: topics is None, expected a list")
            topic_labels = [inner.int2str(topic) for topic in row["topics"]]
            if topic_labels != saved["topics"]:
                fail(f"{name}: {row['body']!r}: topics {topic_labels} != saved {saved['topics']}")

    print("ok")


if __name__ == "__main__":
    main()
