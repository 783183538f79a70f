"""Reads a Gloss `nemo` export the way NeMo's ASR data layer reads a manifest and loads its audio.

Usage: check_nemo.py EXPECTED.json MANIFEST [MANIFEST ...]

NeMo itself (`nemo_toolkit`) and Lhotse, which reads NeMo manifests too, both require PyTorch,
which from PyPI brings the CUDA stack (see tests/interop_audio.rs), so this script follows
NeMo's code instead of importing it:
- the manifest is read like `nemo.collections.asr.parts.utils.manifest_utils.read_manifest`:
  one JSON object per non-empty line;
- each entry is checked like the ASR manifest parser (`collections/common/parts/preprocessing/
  manifest.py`): `audio_filepath` (relative paths would be taken from the manifest's folder),
  a numeric `duration`, a `text`, an optional numeric `offset`;
- its samples are loaded like `AudioSegment.from_file(path, offset=, duration=)`: open with
  `soundfile.SoundFile`, seek to `int(offset * sample_rate)`, read `int(duration *
  sample_rate)` frames; a segment that runs past the end of its file gives fewer frames and
  fails here (NeMo would silently train on a shorter clip).
EXPECTED.json: {"rows": [{"file": basename of audio_filepath, "offset", "duration", "text",
"label"}, ...]} over all manifests (order-free). Prints "ok", or exits non-zero naming the
first mismatch.
"""

import json
import os
import sys

import soundfile


def fail(message):
    print(f"check_nemo: {message}", file=sys.stderr)
    sys.exit(1)


def read_manifest(path):
    entries = []
    with open(path, "r", encoding="utf-8") as manifest:
        for line in manifest:
            line = line.strip()
            if not line:
                continue
            entries.append(json.loads(line))
    return entries


def main():
    expected_path, manifests = sys.argv[1], sys.argv[2:]
    with open(expected_path, encoding="utf-8") as expected_file:
        expected = json.load(expected_file)
    rows = []
    for manifest in manifests:
        for entry in read_manifest(manifest):
            audio_file = entry["audio_filepath"]
            if not os.path.isabs(audio_file):
                audio_file = os.path.join(os.path.dirname(manifest), audio_file)
            duration, offset = entry["duration"], entry.get("offset", 0.0)
            if not isinstance(duration, (int, float)) or not isinstance(offset, (int, float)):
                fail(f"{manifest}: duration/offset not numbers: {entry}")
            if not isinstance(entry.get("text"), str):
                fail(f"{manifest}: no text: {entry}")
            with soundfile.SoundFile(audio_file, "r") as audio:
                sample_rate = audio.samplerate
                if offset > 0:
                    audio.seek(int(offset * sample_rate))
                wanted = int(duration * sample_rate)
                samples = audio.read(wanted, dtype="float32")
            if len(samples) != wanted or wanted == 0:
                fail(f"{manifest}: {audio_file} offset {offset} duration {duration}: read {len(samples)} of {wanted} frames")
            rows.append({"file": os.path.basename(audio_file), "offset": offset, "duration": duration, "text": entry["text"], "label": entry["label"]})
    key = lambda row: (row["file"], row["offset"], row["label"])  # noqa: E731
    if sorted(rows, key=key) != sorted(expected["rows"], key=key):
        fail(f"rows {sorted(rows, key=key)} != {sorted(expected['rows'], key=key)}")
    print("ok")


if __name__ == "__main__":
    main()
