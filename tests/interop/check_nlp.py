"""Loads every NLP shape of a Gloss `hf` export with Hugging Face `datasets` and checks it.

Usage: check_nlp.py EXPECTED.json

EXPECTED.json maps a shape to {"dir": DIR, "n_rows": int, ...}:
- "tokens": also "ner_names" [str] and "spans": one list per row of [start, end, surface] that
  `text[start:end]` must give (rows in export order);
- "preference", "preference_all": rows must have exactly string prompt/chosen/rejected;
- "unpaired": prompt/completion strings and a bool label, "labels" [bool] in row order;
- "sft": messages, a list of {role, content} strings with roles system|user|assistant.
The features come from each dataset card alone (nothing but the directory is passed to
`load_dataset`). Exits non-zero with a message on the first mismatch; prints "ok" otherwise.
"""

import json
import sys

import datasets


def fail(message):
    print(f"check_nlp: {message}", file=sys.stderr)
    sys.exit(1)


def is_list(feature):
    return isinstance(feature, (datasets.Sequence, getattr(datasets, "List", ())))


def load(shape, expected):
    dataset = datasets.load_dataset(expected["dir"])["train"]
    if dataset.num_rows != expected["n_rows"]:
        fail(f"{shape}: {dataset.num_rows} rows, expected {expected['n_rows']}")
    return dataset


def check_strings(shape, dataset, columns):
    if sorted(dataset.column_names) != sorted(columns):
        fail(f"{shape}: columns {dataset.column_names} != {columns}")
    for column in columns:
        if dataset.features[column] != datasets.Value("string"):
            fail(f"{shape}: {column} is {dataset.features[column]!r}, not a string")
    for row in dataset:
        for column in columns:
            if not isinstance(row[column], str):
                fail(f"{shape}: {column} = {row[column]!r} is not a str")


def check_tokens(expected):
    dataset = load("tokens", expected)
    ner_tags = dataset.features["ner_tags"]
    if not is_list(ner_tags) or not isinstance(ner_tags.feature, datasets.ClassLabel):
        fail(f"tokens: ner_tags is {ner_tags!r}, not a list of ClassLabel")
    if ner_tags.feature.names != expected["ner_names"]:
        fail(f"tokens: ner_tags names {ner_tags.feature.names} != {expected['ner_names']}")
    for row, expected_spans in zip(dataset, expected["spans"]):
        if len(row["tokens"]) != len(row["ner_tags"]):
            fail(f"tokens: {len(row['tokens'])} tokens but {len(row['ner_tags'])} tags")
        if not all(isinstance(tag, int) for tag in row["ner_tags"]):
            fail(f"tokens: ner_tags {row['ner_tags']!r} are not class indexes")
        got = [[span["start"], span["end"], row["text"][span["start"]:span["end"]]] for span in row["spans"]]
        if got != expected_spans:
            fail(f"tokens: spans {got!r} != expected {expected_spans!r}")
        for relation in row.get("relations") or []:
            for end in ("from", "to"):
                if not 0 <= relation[end] < len(row["spans"]):
                    fail(f"tokens: relation {relation!r} points outside spans")


def check_unpaired(expected):
    dataset = load("unpaired", expected)
    if sorted(dataset.column_names) != ["completion", "label", "prompt"]:
        fail(f"unpaired: columns {dataset.column_names}")
    if dataset.features["label"] != datasets.Value("bool"):
        fail(f"unpaired: label is {dataset.features['label']!r}, not bool")
    labels = []
    for row in dataset:
        if not isinstance(row["prompt"], str) or not isinstance(row["completion"], str):
            fail(f"unpaired: {row!r} has non-string prompt or completion")
        if not isinstance(row["label"], bool):
            fail(f"unpaired: label {row['label']!r} is not a bool")
        labels.append(row["label"])
    if labels != expected["labels"]:
        fail(f"unpaired: labels {labels} != {expected['labels']}")


def check_sft(expected):
    dataset = load("sft", expected)
    if dataset.column_names != ["messages"]:
        fail(f"sft: columns {dataset.column_names}")
    for row in dataset:
        messages = row["messages"]
        if not isinstance(messages, list) or not messages:
            fail(f"sft: messages {messages!r} is not a non-empty list")
        for message in messages:
            if set(message) != {"role", "content"}:
                fail(f"sft: message {message!r} is not {{role, content}}")
            if message["role"] not in ("system", "user", "assistant"):
                fail(f"sft: role {message['role']!r}")
            if not isinstance(message["content"], str):
                fail(f"sft: content {message['content']!r} is not a str")
        if messages[-1]["role"] != "assistant":
            fail(f"sft: the last message is not the assistant's answer: {messages!r}")


def main():
    with open(sys.argv[1], encoding="utf-8") as expected_file:
        expected = json.load(expected_file)
    check_tokens(expected["tokens"])
    for shape in ("preference", "preference_all"):
        check_strings(shape, load(shape, expected[shape]), ["prompt", "chosen", "rejected"])
    check_unpaired(expected["unpaired"])
    for shape in ("sft", "sft_chat"):
        check_sft(expected[shape])
    print("ok")


if __name__ == "__main__":
    main()
