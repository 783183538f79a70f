"""Loads a Gloss `segments` export with Hugging Face `datasets` (`load_dataset("json", ...)`), casts
its `audio` column to `datasets.Audio`, and reads every segment's samples with `soundfile`.

Usage: check_segments.py EXPORT BASE_DIR EXPECTED.json

EXPORT is the JSONL file, or with `--split` the directory of `<split>.jsonl` files (loaded as a
`DatasetDict`, one split per file). `audio` values are paths as the tasks named them, relative
to BASE_DIR (the project's folder). The column is cast with `Audio(decode=False)`: decoding
inside `datasets` 5 needs `torchcodec`, i.e. PyTorch (see tests/interop_audio.rs), so the
samples are read here with `soundfile` (libsndfile), frame-exact from `start` to `end`.
EXPECTED.json: {"splits": [...] or null, "rows": [{"audio", "start", "end", "label", "text"}, ...]}
(order-free). Exits non-zero with a message on the first mismatch; prints "ok" otherwise.
"""

import json
import os
import sys

import datasets
import soundfile


def fail(message):
    print(f"check_segments: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    export, base_dir, expected_path = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(expected_path, encoding="utf-8") as expected_file:
        expected = json.load(expected_file)
    if expected["splits"] is None:
        data_files = {"train": export}
    else:
        data_files = {split: os.path.join(export, f"{split}.jsonl") for split in expected["splits"]}
    # Empty split files have no rows and so no schema: load only the others.
    data_files = {split: path for split, path in data_files.items() if os.path.getsize(path) > 0}
    loaded = datasets.load_dataset("json", data_files=data_files)
    rows = []
    for split, dataset in loaded.items():
        for column, kind in [("start", "float64"), ("end", "float64"), ("label", "string"), ("task_id", "int64")]:
            if dataset.features[column].dtype != kind:
                fail(f"{split}: column {column} is {dataset.features[column]}, expected {kind}")
        dataset = dataset.cast_column("audio", datasets.Audio(decode=False))
        if not isinstance(dataset.features["audio"], datasets.Audio):
            fail(f"{split}: audio column is {dataset.features['audio']} after the cast")
        for row in dataset:
            audio_path = row["audio"]["path"]
            path = audio_path if os.path.isabs(audio_path) else os.path.join(base_dir, audio_path)
            info = soundfile.info(path)
            first, last = round(row["start"] * info.samplerate), round(row["end"] * info.samplerate)
            samples, _ = soundfile.read(path, start=first, stop=last)
            if len(samples) != last - first or last > info.frames:
                fail(f"{split}: {audio_path} {row['start']}-{row['end']} s gave {len(samples)} frames, expected {last - first} (file has {info.frames})")
            rows.append({key: row[key] for key in ("start", "end", "label", "text")} | {"audio": audio_path})
    key = lambda row: (row["audio"], row["start"], row["end"], row["label"])  # noqa: E731
    if sorted(rows, key=key) != sorted(expected["rows"], key=key):
        fail(f"rows {sorted(rows, key=key)} != {sorted(expected['rows'], key=key)}")
    print("ok")


if __name__ == "__main__":
    main()
