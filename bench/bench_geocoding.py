"""Benchmark the offline gazetteer geocoder: load time, addresses per second, accuracy.

    .venv/bin/python bench/bench_geocoding.py [--n 100000] [--seed 20250101] [--json out.json]

Addresses are generated deterministically from the gazetteer itself (fixed seed), in
the formats seen on registration forms: street with house number and RT/RW, "Kel./Kec./
Kab./Kota" abbreviations or none, with and without postal code, mixed case. Each is
labelled with the village it was made from. Targets (design notes, performance.md section 5):
load <= 2 s, >= 5,000 addresses/s, >= 95 % correct village when village and district
are named.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apoa.geocoding.gazetteer import Gazetteer, GazetteerGeocoder, WilayahRow

STREETS = (
    "Sudirman",
    "Merdeka",
    "Diponegoro",
    "Gatot Subroto",
    "Ahmad Yani",
    "Pahlawan",
    "Imam Bonjol",
    "Gajah Mada",
    "Hayam Wuruk",
    "Pemuda",
    "Veteran",
    "Cendrawasih",
    "Melati",
    "Mawar",
    "Kenanga",
    "Anggrek",
    "Raya Utama",
    "Kartini",
    "Hasanuddin",
    "Teuku Umar",
    "Sisingamangaraja",
    "Pattimura",
    "Cut Nyak Dien",
    "Wahid Hasyim",
)
STREET_PREFIXES = ("Jl.", "Jl", "Jln.", "Jalan", "JL.", "Gg.")
# Kelurahan (7th code digit 1) and desa (2) prefixes; 10 % of writers pick the wrong one.
KELURAHAN_PREFIXES = ("", "", "Kel. ", "Kelurahan ", "Kel ")
DESA_PREFIXES = ("", "", "Desa ", "Ds. ", "Desa ")
DISTRICT_PREFIXES = ("", "Kec. ", "Kec ", "Kecamatan ")
PROVINCE_PREFIXES = ("", "", "Prov. ", "Provinsi ")


class Sample(NamedTuple):
    """One generated address and the village it was generated from."""

    text: str
    village_code: str
    names_village_and_district: bool
    style: str


def regency_variants(name: str) -> tuple[str, ...]:
    """Return ways of writing a regency name ("Kabupaten Badung" -> "Kab. Badung", ...)."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        if name.startswith(prefix):
            base = name[len(prefix) :]
            short = "Kab." if prefix.startswith("Kab") else "Kota"
            return (name, f"{short} {base}", f"{short} {base}", base)
    return (name,)


def cased(rng: random.Random, text: str) -> str:
    """Return the text in the case a form user might type it."""
    roll = rng.random()
    if roll < 0.15:
        return text.upper()
    if roll < 0.25:
        return text.lower()
    return text


def street(rng: random.Random) -> str:
    """Return a street with house number, sometimes with RT/RW."""
    text = f"{rng.choice(STREET_PREFIXES)} {rng.choice(STREETS)} No. {rng.randint(1, 250)}"
    roll = rng.random()
    rt, rw = rng.randint(1, 20), rng.randint(1, 15)
    if roll < 0.25:
        text += f" RT {rt:02d}/RW {rw:02d}"
    elif roll < 0.45:
        text += f" RT.{rt:03d} RW.{rw:03d}"
    elif roll < 0.55:
        text += f" Rt {rt} Rw {rw}"
    return text


def make_samples(gaz: Gazetteer, n: int, seed: int) -> list[Sample]:
    """Generate ``n`` labelled addresses from random villages, deterministically."""
    rng = random.Random(seed)
    villages = sorted(code for code, row in gaz.rows.items() if row.level == 4)
    samples: list[Sample] = []
    for _ in range(n):
        code = rng.choice(villages)
        village, district, regency, province = (
            gaz.rows[code],
            gaz.rows[code[:6]],
            gaz.rows[code[:4]],
            gaz.rows[code[:2]],
        )
        samples.append(_one(rng, village, district, regency, province))
    return samples


def _one(rng: random.Random, v: WilayahRow, d: WilayahRow, r: WilayahRow, p: WilayahRow) -> Sample:
    """Build one address in a randomly chosen style."""
    reg = rng.choice(regency_variants(r.name))
    prov = rng.choice(PROVINCE_PREFIXES) + p.name
    postal = f" {v.postal_code}" if v.postal_code and rng.random() < 0.5 else ""
    is_kelurahan = (v.code[6] == "1") != (rng.random() < 0.1)
    vil = rng.choice(KELURAHAN_PREFIXES if is_kelurahan else DESA_PREFIXES) + v.name
    vil_word = "Kel" if is_kelurahan else "Desa"
    dis = rng.choice(DISTRICT_PREFIXES) + d.name
    styles: list[tuple[str, Callable[[], str], bool]] = [
        ("full", lambda: f"{street(rng)}, {vil}, {dis}, {reg}, {prov}{postal}", True),
        ("no_province", lambda: f"{street(rng)}, {vil}, {dis}, {reg}{postal}", True),
        ("village_district", lambda: f"{vil}, {dis}{postal}", True),
        (
            "no_commas",
            lambda: f"{street(rng)} {vil_word} {v.name} Kec {d.name} {reg}{postal}",
            True,
        ),
        ("district_up", lambda: f"{street(rng)}, {dis}, {reg}, {prov}{postal}", False),
        ("village_regency", lambda: f"{vil}, {reg}{postal}", False),
    ]
    weights = (40, 15, 15, 10, 10, 10)
    style, build, labelled = rng.choices(styles, weights=weights)[0]
    return Sample(cased(rng, build()), v.code, labelled, style)


def run(n: int, seed: int) -> dict[str, Any]:
    """Load the gazetteer, geocode ``n`` synthetic addresses and collect the figures."""
    t0 = time.perf_counter()
    gaz = Gazetteer.load()
    load_s = time.perf_counter() - t0
    geocoder = GazetteerGeocoder(gaz)

    samples = make_samples(gaz, n, seed)
    results: list[Any] = []  # Location | None; geopy ships no type hints
    t0 = time.perf_counter()
    for sample in samples:
        results.append(geocoder.geocode(sample.text))
    geocode_s = time.perf_counter() - t0

    labelled = correct = confident_wrong = 0
    precision: Counter[str] = Counter()
    review = 0
    wrong_styles: Counter[str] = Counter()
    for sample, loc in zip(samples, results, strict=True):
        raw = loc.raw if loc is not None else None
        precision[raw["precision"] if raw else "none"] += 1
        review += 1 if raw is None or raw["needs_review"] else 0
        if raw and not raw["needs_review"] and raw["village_code"] != sample.village_code:
            confident_wrong += 1  # the worst outcome: a wrong village nobody is asked to check
        if sample.names_village_and_district:
            labelled += 1
            if raw and raw["precision"] == "village" and raw["village_code"] == sample.village_code:
                correct += 1
            else:
                wrong_styles[sample.style] += 1
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "n": n,
        "seed": seed,
        "load_seconds": round(load_s, 3),
        "geocode_seconds": round(geocode_s, 3),
        "addresses_per_second": round(n / geocode_s),
        "labelled": labelled,
        "village_accuracy": round(correct / labelled, 4) if labelled else None,
        "needs_review_share": round(review / n, 4),
        "wrong_without_review": confident_wrong,
        "precision": dict(precision.most_common()),
        "labelled_misses_by_style": dict(wrong_styles.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description="Benchmark the offline gazetteer geocoder.")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    figures = run(args.n, args.seed)
    accuracy = figures["village_accuracy"]
    rows = [
        ("Gazetteer load", f"{figures['load_seconds']:.2f} s", "<= 2 s"),
        ("Addresses geocoded", f"{figures['n']:,}", ""),
        ("Throughput", f"{figures['addresses_per_second']:,} addresses/s", ">= 5,000/s"),
        (
            "Correct village (village + district named)",
            f"{accuracy:.2%} of {figures['labelled']:,}" if accuracy is not None else "n/a",
            ">= 95 %",
        ),
        ("Flagged needs_review", f"{figures['needs_review_share']:.2%}", ""),
        ("Wrong village not flagged for review", f"{figures['wrong_without_review']:,}", "0"),
        ("Precision", ", ".join(f"{k} {v:,}" for k, v in figures["precision"].items()), ""),
    ]
    print("| Metric | Measured | Target |")
    print("|---|---|---|")
    for metric, measured, target in rows:
        print(f"| {metric} | {measured} | {target} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
