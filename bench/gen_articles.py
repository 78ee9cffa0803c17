"""Make N synthetic raw news articles shaped like the seeds, for the ingest and cluster benchmarks.

Usage: .venv/bin/python bench/gen_articles.py N OUTDIR [--seed 1]

Each article is a raw text file as copied from a page: an outlet dateline in one of the real
forms (``REPUBLIKA.CO.ID, SEOUL --``, ``SEOUL, KOMPAS.com —``, ``Pyongyang:``, ...), sometimes a
repeated title, a photo caption with credit, a byline with an Indonesian or English date,
4-20 paragraphs of 1-4 sentences (words drawn from the seeds' vocabulary with their
frequencies), sub-headings, ``Baca juga:`` links in several spellings, site chrome, follow calls,
editor/reporter lines and trailing credits. About 5% are rewrites of an earlier article (other
outlet, ~40% of its sentences kept: word 3-gram Jaccard ~0.2), 3% exact body copies and 2% near
copies (one sentence changed). Files go to OUTDIR/<shard>/<id>.txt (1,000 per folder) and the
ground truth to OUTDIR/truth.jsonl (``{"id", "kind", "of"}``). Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus" / "raw"

OUTLETS = [
    ("REPUBLIKA.CO.ID, {CITY} -- ", "Republika"),
    ("HOLOPIS.COM, {CITY} – ", "Holopis"),
    ("Finnews.id – ", "Finnews"),
    ("{City}: ", "Metrotvnews"),
    ("{CITY}, KOMPAS.com — ", "Kompas"),
    ("{City} (ANTARA News) - ", "Antara"),
    ("{City}, CNN Indonesia -- ", "CNN Indonesia"),
    ("TEMPO.CO, {City} - ", "Tempo"),
    ("{CITY} - ", "Bloomberg Technoz"),
    ("", "Bloomberg Technoz"),
]
CITIES = ["Jakarta", "Seoul", "Pyongyang", "Surabaya", "Bandung", "Medan", "Washington", "Tokyo", "Beijing", "Makassar", "Denpasar", "Moskow"]
NAMES = ["Fajar Nugraha", "Muhammad Adyatma Damardjati", "Siti Rahmawati", "Andi Pratama", "Dewi Lestari", "Rizky Maulana", "Nur Aini", "Budi Santoso"]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
BACA = ["Baca juga:", "BACA JUGA:", "Baca Juga :", "Lihat juga:", "Simak juga:"]
CHROME = ["Advertisement", "SCROLL TO CONTINUE WITH CONTENT", "No more pages", "Halaman 1 2 3"]
PHOTO = ["AFP/STR", "Daily NK", "ANTARA FOTO/Aditya Pradana", "Reuters", "Dok. Istimewa"]


def vocabulary() -> tuple[list[str], list[int]]:
    """Words of the seed articles with their cumulative frequencies (for rng.choices)."""
    counts: Counter = Counter()
    for p in sorted(SEEDS.glob("*.txt")):
        counts.update(re.findall(r"[A-Za-z][A-Za-z-]*|\d+", p.read_text(encoding="utf-8-sig")))
    words = sorted(counts)
    return words, list(itertools.accumulate(counts[w] for w in words))


class Generator:
    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.words, self.cum = vocabulary()

    def sentence(self) -> str:
        rng = self.rng
        ws = rng.choices(self.words, cum_weights=self.cum, k=rng.randint(8, 30))
        s = " ".join(ws)
        if rng.random() < 0.15:
            s = f"“{s},” kata {rng.choice(NAMES).split()[0]}"
        return s[0].upper() + s[1:] + "."

    def body(self) -> list[list[str]]:
        return [[self.sentence() for _ in range(self.rng.randint(1, 4))] for _ in range(self.rng.randint(4, 20))]

    def rewrite(self, body: list[list[str]], keep: float = 0.4) -> list[list[str]]:
        return [[s if self.rng.random() < keep else self.sentence() for s in para] for para in body]

    def near_copy(self, body: list[list[str]]) -> list[list[str]]:
        out = [list(p) for p in body]
        para = self.rng.randrange(len(out))
        out[para][self.rng.randrange(len(out[para]))] = self.sentence()
        return out

    def title(self) -> str:
        return " ".join(w.capitalize() for w in self.rng.choices(self.words, cum_weights=self.cum, k=self.rng.randint(5, 11)))

    def render(self, body: list[list[str]]) -> str:
        """Wrap a body in one outlet's page noise, as copied from the page."""
        rng = self.rng
        form, outlet = rng.choice(OUTLETS)
        city = rng.choice(CITIES)
        lines: list[str] = []
        title = self.title()
        if outlet == "Bloomberg Technoz" and rng.random() < 0.7:
            lines.append(f"Logo {outlet}")
        if rng.random() < 0.3:
            lines += [title, ""]
        if rng.random() < 0.3:
            lines += [f"{self.sentence()} Foto: {rng.choice(PHOTO)}", ""]
        if rng.random() < 0.25:
            lines.append(title)
        if rng.random() < 0.3:
            d = rng.randint(1, 28)
            if rng.random() < 0.5:
                lines.append(f"{rng.choice(NAMES)} • {d} May 2025 {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}")
            else:
                lines.append(f"{rng.choice(DAYS)}, {d} {rng.choice(MONTHS)} 2025 {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} WIB")
        paras = [" ".join(p) for p in body]
        paras[0] = form.format(CITY=city.upper(), City=city) + paras[0]
        for k, para in enumerate(paras):
            lines.append(para)
            r = rng.random()
            if r < 0.08:
                lines.append(f"{rng.choice(BACA)} {self.title()}")
            elif r < 0.12 and 0 < k < len(paras) - 1:
                lines.append(self.title())  # a sub-heading
            elif r < 0.14:
                lines.append(rng.choice(CHROME[:2]))
        r = rng.random()
        if r < 0.3:
            lines.append(rng.choice(["(bbn)", "(ant/dil/jpnn)", f"({rng.choice(NAMES)})"]))
        elif r < 0.5:
            lines.append(f"Editor: {rng.choice(NAMES)}")
        elif r < 0.6:
            lines.append(f"Reporter: {rng.choice(NAMES)} | Editor: {rng.choice(NAMES)}")
        if rng.random() < 0.15:
            lines.append(f"Jangan lupa ikuti update berita lainnya dan follow\u00a0 akun\nGoogle News {outlet.replace(' ', '')}.com")
        if rng.random() < 0.05:
            lines.append(f"Artikel ini telah tayang di Kompas.com dengan judul \"{title}\"")
        if outlet == "Bloomberg Technoz" and rng.random() < 0.5:
            lines.append("No more pages")
        sep = "\n\n" if rng.random() < 0.6 else "\n"
        return sep.join(lines) + "\n"


def generate(n: int, seed: int = 1):
    """Yield ``(id, raw_text, truth)`` for n articles; truth = {"id", "kind", "of"}."""
    g = Generator(seed)
    bodies: list[tuple[str, list[list[str]]]] = []  # recent originals that may be rewritten or copied
    for i in range(n):
        r = g.rng.random()
        kind, of = "original", None
        if bodies and r < 0.10:
            of, src = g.rng.choice(bodies)
            if r < 0.05:
                kind, body = "rewrite", g.rewrite(src)
            elif r < 0.08:
                kind, body = "copy", src
            else:
                kind, body = "near-copy", g.near_copy(src)
        else:
            body = g.body()
        aid = f"{i:07d}_{hashlib.blake2b(f'{seed}-{i}'.encode(), digest_size=8).hexdigest()}"
        if kind == "original":
            bodies.append((aid, body))
            if len(bodies) > 2000:
                bodies.pop(g.rng.randrange(len(bodies)))
        yield aid, g.render(body), {"id": aid, "kind": kind, "of": of}


def write_corpus(n: int, outdir: Path, seed: int = 1, shard: int = 1000) -> int:
    outdir.mkdir(parents=True, exist_ok=True)
    with open(outdir / "truth.jsonl", "w", encoding="utf-8") as truth:
        for i, (aid, text, t) in enumerate(generate(n, seed)):
            folder = outdir / f"{i // shard:04d}"
            if i % shard == 0:
                folder.mkdir(exist_ok=True)
            (folder / f"{aid}.txt").write_text(text, encoding="utf-8")
            truth.write(json.dumps(t) + "\n")
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    write_corpus(args.n, args.outdir, args.seed)
    print(f"wrote {args.n:,} articles to {args.outdir} (ground truth: {args.outdir / 'truth.jsonl'})")


if __name__ == "__main__":
    main()
