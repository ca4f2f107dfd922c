"""A synthetic evidence base of any size, for benchmarks: deterministic for a given seed.

It writes its own archive of source texts (made-up words, with the typography
real texts have: curly quotes, dashes, line breaks) and records that quote
them, so every quote verifies: some quotes span an elision, some contradict
their claim. The proportions follow the real base: about ten claims per
source, one study per three sources, a hundred claims per theme.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from build_tools.engine.method import DEFAULT_HEDGES
from build_tools.engine.model import CERTAINTY_ORDER, KINDS, Assessment, Basis, Certainty, Concerns, SourceType
from build_tools.engine.quotes import NEGATION

_SYLLABLES = ["ca", "re", "mi", "to", "lu", "sen", "dor", "pa", "vi", "gra", "no", "tel", "ki", "sa", "mo",
              "ber", "li", "fa", "qua", "del", "ru", "ni", "ost", "pe", "ga", "lin", "com", "ta", "ver", "il"]
_PUNCTUATION = [",", ",", ";", " \u2014", ":"]


@dataclass(frozen=True)
class Size:
    """How many records of each kind a base of ``claims`` claims has."""

    claims: int

    @property
    def sources(self) -> int:
        return max(5, self.claims // 10)

    @property
    def studies(self) -> int:
        return max(2, self.sources // 3)

    @property
    def themes(self) -> int:
        return max(10, self.claims // 100)

    @property
    def recommendations(self) -> int:
        return max(1, self.claims // 5)

    @property
    def questions(self) -> int:
        return max(1, self.claims // 6)

    @property
    def records(self) -> int:
        return self.claims + self.sources + self.studies + self.themes + self.recommendations + self.questions


class _Writer:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.words = self._vocabulary(3000)

    def _vocabulary(self, count: int) -> list[str]:
        words: set[str] = set()
        while len(words) < count:
            word = "".join(self.random.choice(_SYLLABLES) for _ in range(self.random.randint(1, 4)))
            if not NEGATION.fullmatch(word):  # an elision may not leave out a negation
                words.add(word)
        return sorted(words)

    def phrase(self, low: int, high: int) -> str:
        return " ".join(self.random.choice(self.words) for _ in range(self.random.randint(low, high)))

    def sentence(self) -> str:
        parts = [self.phrase(3, 10)]
        for _ in range(self.random.randint(0, 2)):
            parts.append(self.random.choice(_PUNCTUATION) + " " + self.phrase(3, 9))
        text = "".join(parts)
        if self.random.random() < 0.15:
            text = f"\u2018{text}\u2019 {self.phrase(2, 4)}"
        return text[0].upper() + text[1:] + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.random.randint(3, 8)))

    def archive_text(self, title: str) -> str:
        """About 5 to 15 kB: a title, then paragraphs wrapped at about 80 characters."""
        lines = [title, ""]
        for _ in range(self.random.randint(8, 24)):
            words, line = self.paragraph().split(" "), ""
            for word in words:
                if len(line) + len(word) > 80:
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
            lines += [line, ""]
        return "\n".join(lines)


def _quote(writer: _Writer, paragraphs: list[list[str]]) -> str:
    """A span of the words of one paragraph; one in six skips some words with an elision."""
    rand = writer.random
    words = max(rand.sample(paragraphs, min(3, len(paragraphs))), key=len)
    length = rand.randint(6, 20)
    start = rand.randrange(0, max(1, len(words) - 2 * length - 20))
    if rand.random() < 1 / 6:
        skip = rand.randint(3, 30)
        first = words[start:start + length // 2]
        second = words[start + length // 2 + skip:start + length + skip]
        # each part holds the validator's minimum of words (a dash is not one)
        if min(sum(any(ch.isalnum() for ch in word) for word in part) for part in (first, second)) >= 3:
            return " ".join(first) + " \u2026 " + " ".join(second)
    return " ".join(words[start:start + length])


_WORST_CONCERNS = {Certainty.high: Concerns.minor, Certainty.moderate: Concerns.moderate,
                   Certainty.low: Concerns.moderate, Certainty.very_low: Concerns.serious}
"""The worst concern a synthetic claim of each certainty has: as a reviewer would judge, and as validation expects."""


def _assessment(rand: random.Random, writer: _Writer, certainty: Certainty,
                contested: bool) -> dict[str, dict[str, str]]:
    """Four judgements that fit ``certainty``: one component at its worst concern, the others at most minor;
    coherence at least minor when some evidence contradicts the claim."""
    worst = rand.choice(list(Assessment.COMPONENTS))
    judged = {}
    for name in Assessment.COMPONENTS:
        floor = [Concerns.minor] if contested and name == "coherence" else [Concerns.none, Concerns.minor]
        concerns = _WORST_CONCERNS[certainty] if name == worst else rand.choice(floor)
        judged[name] = {"concerns": concerns.value, "explanation": writer.sentence()}
    return judged


def _key_message(writer: _Writer, certainty: Certainty) -> str:
    """Up to a dozen words, with a hedge that fits the certainty."""
    hedges = DEFAULT_HEDGES[certainty]
    words = writer.phrase(4, 10)
    return (f"It is {hedges[0]} whether {words}." if certainty is Certainty.very_low else
            f"{words.capitalize()} {hedges[0]} {writer.phrase(2, 4)}." if hedges else f"{words.capitalize()}.")


def generate(folder: Path | str, claims: int, seed: int = 1) -> Size:
    """Write ``folder/evidence`` (records) and ``folder/archive`` (source texts) for ``claims`` claims."""
    folder = Path(folder)
    size = Size(claims)
    writer = _Writer(seed)
    rand = writer.random
    records: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    archive = folder / "archive"
    archive.mkdir(parents=True, exist_ok=True)

    studies = [f"study-{n:05d}" for n in range(size.studies)]
    for study_id in studies:
        records["study"].append({
            "id": study_id, "title": writer.phrase(4, 9).capitalize(), "design": writer.phrase(5, 12),
            "investigators": [writer.phrase(2, 2).title() for _ in range(rand.randint(0, 3))],
            "organisations": [writer.phrase(2, 4).title()], "funder": None,
            "period": f"{rand.randint(2010, 2016)} to {rand.randint(2017, 2020)}",
            "sample": f"{rand.randint(5, 900)} {writer.phrase(1, 3)}", "summary": writer.paragraph(),
        })

    source_words: list[list[list[str]]] = []  # each source's paragraphs, as words
    source_types = list(SourceType)
    for n in range(size.sources):
        source_id = f"source-{n:05d}"
        title = writer.phrase(4, 10).capitalize()
        text = writer.archive_text(title)
        data = text.encode("utf-8")
        file_name = f"{n:05d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
        (archive / file_name).write_bytes(data)
        source_words.append([paragraph.split() for paragraph in text.split("\n\n")[1:] if paragraph.strip()])
        record: dict[str, Any] = {
            "id": source_id, "title": title,
            "authors": [", ".join(reversed(writer.phrase(2, 2).title().split()))  # "Family, Given"
                        for _ in range(rand.randint(0, 4))],
            "outlet": writer.phrase(1, 3).title(), "publisher": None,
            "date": f"{rand.randint(2012, 2019)}-{rand.randint(1, 12):02d}",
            "type": source_types[n % len(source_types)].value,
        }
        if n % 2:
            record["url"] = f"https://example.org/{source_id}"
        if n % 3 == 0:
            record["study"] = studies[(n // 3) % len(studies)]
        record["archive"] = {"file": file_name, "sha256": hashlib.sha256(data).hexdigest()}
        record["summary"] = writer.paragraph()
        records["source"].append(record)
    # Every study is reported by at least one source, so the base is free of warnings.
    for index, study_id in enumerate(studies):
        records["source"][(index * 3) % size.sources]["study"] = study_id
    study_of = {r["id"]: r.get("study") for r in records["source"]}
    type_of = {r["id"]: r["type"] for r in records["source"]}

    themes = [f"theme-{n:04d}" for n in range(size.themes)]
    for theme_id in themes:
        records["theme"].append({"id": theme_id, "title": writer.phrase(2, 5).capitalize(),
                                 "summary": writer.paragraph() + "\n\n" + writer.paragraph()})

    def citation(source_index: int) -> dict[str, Any]:
        return {"source": f"source-{source_index:05d}", "quote": _quote(writer, source_words[source_index])}

    claim_ids = [f"claim-{n:05d}" for n in range(size.claims)]
    for n, claim_id in enumerate(claim_ids):
        # Claim n cites source n // 10 first, so every source is cited.
        cited = [n * size.sources // size.claims]
        cited += rand.sample(range(size.sources), rand.randint(0, 3))
        evidence = []
        for position, source_index in enumerate(dict.fromkeys(cited)):
            item = citation(source_index)
            item["stance"] = "supports" if position == 0 else rand.choice(["supports", "supports", "contradicts",
                                                                           "qualifies"])
            if rand.random() < 0.3:
                item["locator"] = f"paragraph {rand.randint(1, 24)}"
            evidence.append(item)
        supporting = [e["source"] for e in evidence if e["stance"] == "supports"]
        independent = {study_of[s] for s in supporting if study_of[s]}  # a source of no study is no study
        opinion_only = all(type_of[s] == SourceType.opinion_piece.value for s in supporting)
        levels = (CERTAINTY_ORDER if len(independent) > 1 and not opinion_only else
                  CERTAINTY_ORDER[1:] if independent else CERTAINTY_ORDER[2:])
        certainty: Certainty = rand.choice(levels)
        records["claim"].append({
            "id": claim_id, "key_message": _key_message(writer, certainty), "statement": writer.sentence(),
            "themes": list(dict.fromkeys([themes[n % size.themes], *rand.sample(themes, rand.randint(0, 1))])),
            "certainty": certainty.value, "certainty_rationale": writer.sentence(),
            "assessment": _assessment(rand, writer, certainty,
                                      any(e["stance"] == "contradicts" for e in evidence)),
            "evidence": evidence, "headline": n < 6,
        })

    for n in range(size.recommendations):
        made_in = citation(rand.randrange(size.sources))
        bases = list(Basis) if study_of[made_in["source"]] else [Basis.authors_interpretation, Basis.expert_opinion]
        records["recommendation"].append({
            "id": f"recommendation-{n:05d}", "statement": writer.sentence(),
            "made_by": [writer.phrase(2, 4).title()], "basis": rand.choice(bases).value,
            "made_in": [made_in], "rationale": writer.paragraph(),
            "claims": rand.sample(claim_ids, min(len(claim_ids), rand.randint(1, 3))),
            "audience": [writer.phrase(1, 3) for _ in range(rand.randint(1, 2))],
        })
    for n in range(size.questions):
        records["question"].append({
            "id": f"question-{n:05d}", "question": writer.sentence()[:-1] + "?", "why_open": writer.paragraph(),
            "claims": rand.sample(claim_ids, min(len(claim_ids), rand.randint(1, 3))),
            "would_settle": writer.sentence(),
            "raised_by": [citation(rand.randrange(size.sources)) for _ in range(rand.randint(0, 1))],
        })

    for kind, items in records.items():
        target = folder / "evidence" / KINDS[kind].folder
        target.mkdir(parents=True, exist_ok=True)
        header = f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"
        for item in items:
            text = yaml.safe_dump(item, sort_keys=False, allow_unicode=True, width=100)
            (target / f"{item['id']}.yaml").write_text(header + text, encoding="utf-8")
    return size
