#!/usr/bin/env bash
# The built-in model's benchmark on 10,000 real texts (issue 5): Debian package descriptions
# labelled with their archive section, fetched with apt from Debian's package index (the only
# labelled text corpus found reachable from the project's machines; see docs/PERFORMANCE.md).
#
# Each package's description is written by its maintainers in debian/control and distributed
# in Debian main under the package's own DFSG-free licence; the corpus is built locally into
# $GLOSS_BENCH_DATA (default ~/.cache/gloss-bench) and never committed.
#
# The texts: the short and long English description of every package in bookworm main (the
# Packages index gives each package's section and description checksum, Translation-en the
# descriptions). The labels: the section, for the packages of the 10 most common sections.
# 10,000 of them, chosen by the SHA-1 of the package name (deterministic), written as JSON
# lines {"package", "text", "label"}. Then `cargo bench --bench builtin_model` trains on 9,000
# and measures on the other 1,000 (benches/builtin_model.rs).
#
# Needs root for apt-get update (CI and the dev machines run as root) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${GLOSS_BENCH_DATA:-$HOME/.cache/gloss-bench}"
corpus="$data_dir/debian-descriptions-10k.jsonl"
mkdir -p "$data_dir"

if [[ ! -s "$corpus" ]]; then
    # Long descriptions live in Translation-en, which apt skips unless asked for.
    apt-get update -o Acquire::Languages=en >/dev/null
    packages_index=$(ls /var/lib/apt/lists/*_dists_*_main_binary-*_Packages* | grep -v -e updates -e security | head -n 1)
    translations=$(ls /var/lib/apt/lists/*_dists_*_main_i18n_Translation-en* | grep -v -e updates -e security | head -n 1)
    /usr/lib/apt/apt-helper cat-file "$packages_index" >"$data_dir/Packages.txt"
    /usr/lib/apt/apt-helper cat-file "$translations" >"$data_dir/Translation-en.txt"
    python3 - "$data_dir/Packages.txt" "$data_dir/Translation-en.txt" "$corpus" <<'PYTHON'
import collections, hashlib, json, sys

def stanzas(path):
    """deb822 paragraphs as dicts; continuation lines are kept with their newline."""
    fields, key = {}, None
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                if fields:
                    yield fields
                fields, key = {}, None
            elif line[0] in " \t" and key:
                fields[key] += "\n" + line[1:]
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
    if fields:
        yield fields

packages_path, translations_path, out_path = sys.argv[1:]
sections = {}
for fields in stanzas(packages_path):
    section = fields.get("Section", "").split("/")[-1]
    if section and "Description-md5" in fields:
        sections[(fields["Package"], fields["Description-md5"])] = section
texts = {}
for fields in stanzas(translations_path):
    key = (fields.get("Package"), fields.get("Description-md5"))
    if key in sections and "Description-en" in fields:
        # A lone "." marks a paragraph break in deb822 descriptions.
        lines = [line for line in fields["Description-en"].split("\n") if line.strip() != "."]
        texts[key] = " ".join(line.strip() for line in lines)
by_package = {}
for (package, _), text in texts.items():
    by_package[package] = (text, sections[(package, _)])
counts = collections.Counter(section for _, section in by_package.values())
top_sections = {section for section, _ in counts.most_common(10)}
chosen = sorted(
    (package for package, (_, section) in by_package.items() if section in top_sections),
    key=lambda package: hashlib.sha1(package.encode()).hexdigest(),
)[:10000]
if len(chosen) < 10000:
    sys.exit(f"only {len(chosen)} packages in the 10 largest sections")
with open(out_path, "w", encoding="utf-8") as out:
    for package in chosen:
        text, section = by_package[package]
        out.write(json.dumps({"package": package, "text": text, "label": section}) + "\n")
print(f"wrote {len(chosen)} texts from {len(by_package)} packages; sections: "
      + ", ".join(f"{s} ({counts[s]})" for s, _ in counts.most_common(10)), file=sys.stderr)
PYTHON
    rm -f "$data_dir/Packages.txt" "$data_dir/Translation-en.txt"
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gloss-target}"
GLOSS_BENCH_BUILTIN_CORPUS="$corpus" cargo bench -p gloss --bench builtin_model -- "$@"
