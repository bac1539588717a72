"""Benchmark document generation: ccc-xl's batch rendering vs a plain docxtpl loop.

    python scripts/bench_documents.py [--sizes 100 1000]

Each measurement runs in a fresh process (peak memory = that process's max RSS). "ccc-xl" is
``word.generate`` (each template read once per batch, one DocxTemplate reused, staging folder and
atomic swap included); "docxtpl naïf" builds a new DocxTemplate from the template file for every
document. Both render the same mix of document types with autoescape on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def documents(count: int):
    from ccc_xl.documents import plan_documents
    from document_samples import sample_frames

    participants = max(2, count // 5 + 1)  # five documents per participant, plus the session ones
    _, docs, _ = plan_documents(sample_frames(participants=participants), today=dt.date(2023, 3, 1))
    by_type = [list(g) for _, g in itertools.groupby(docs, key=lambda d: d.type)]
    mixed = [d for group in itertools.zip_longest(*by_type) for d in group if d is not None]
    return mixed[:count]


def run_ccc_xl(docs, out: Path) -> None:
    from ccc_xl.word import generate

    generate(docs, out, 2023)


def run_naive(docs, out: Path) -> None:
    from docxtpl import DocxTemplate

    from ccc_xl.word import TEMPLATES_DIR, output_paths

    for doc, relative in zip(docs, output_paths(docs)):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        template = DocxTemplate(TEMPLATES_DIR / doc.template)
        template.render(doc.context, autoescape=True)
        template.save(target)


VARIANTS = {"ccc-xl": run_ccc_xl, "docxtpl naïf": run_naive}


def measure(variant: str, count: int) -> dict:
    docs = documents(count)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        VARIANTS[variant](docs, Path(out))
        seconds = time.perf_counter() - start
        files = sum(1 for p in Path(out).rglob("*.docx"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"variant": variant, "count": count, "files": files, "seconds": seconds, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--one", nargs=2, metavar=("VARIANT", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]))))
        return
    print("| documents | méthode | fichiers | durée (s) | ms / document | mémoire max (Mo) |")
    print("|---:|---|---:|---:|---:|---:|")
    for count in args.sizes:
        for variant in VARIANTS:
            out = subprocess.run([sys.executable, __file__, "--one", variant, str(count)],
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out)
            print(f"| {r['count']} | {r['variant']} | {r['files']} | {r['seconds']:.1f} | "
                  f"{1000 * r['seconds'] / r['count']:.0f} | {r['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
