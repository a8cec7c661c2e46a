"""Ranked text search over offers: names and titles above descriptions, topics by synonym.

Every text is folded (case, umlauts) and matched by word prefix ("stern" finds
"Sternwarte"). A query word that matches no word of the data is widened to the words
within a small edit distance (rapidfuzz), so "Astronmie" still finds astronomy. Words
from the taxonomy's labels and ``geodata/synonyms.json`` map to topics, groups and kinds
in both languages; "MINT" or "STEM" match every offer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .text import fold

# Weight of a query word found in each field (the best field counts, words add up).
NAME, KIND, TITLE, TOPIC, GROUP, TEXT, EVERY = 80, 70, 60, 40, 30, 10, 1
NAME_START = 10  # bonus when the name begins with the word: the place is named for it
FUZZY = 0.8  # a near miss counts a little less than the word itself
STOPWORDS = frozenset({"und", "oder", "fur", "der", "die", "das", "ein", "eine", "in", "im",
                       "am", "an", "mit", "zu", "zum", "zur", "von", "bei", "auf", "and",
                       "or", "for", "the", "a", "of", "at", "with", "to", "on"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def words_of(text: str) -> str:
    """Folded text as ' word word ...' so a prefix test is ``' ' + w in text``."""
    return " " + _NON_WORD.sub(" ", fold(text)).strip() + " "


def query_words(q: str) -> list[str]:
    return [w for w in _NON_WORD.sub(" ", fold(q)).split() if w not in STOPWORDS]


def term_bits(taxonomy: dict, synonyms: dict) -> dict[str, tuple[int, int, int]]:
    """Search words of the taxonomy's labels and the synonyms: word -> (topic, group,
    kind) bits."""
    def texts_of(labels) -> str:
        return " ".join(v for v in (labels or {}).values() if isinstance(v, str))

    kinds = list(taxonomy["kinds"])
    terms: dict[str, list[int]] = {}

    def add(word_source: str, slot: int, bit: int) -> None:
        for word in query_words(word_source):
            entry = terms.setdefault(word, [0, 0, 0])
            entry[slot] |= 1 << bit

    for slot, section in ((0, "topics"), (1, "groups"), (2, "kinds")):
        for bit, labels in enumerate(taxonomy[section].values()):
            add(texts_of(labels), slot, bit)
    topics = list(taxonomy["topics"])
    for topic, entry in (synonyms.get("topics") or {}).items():
        for word in entry.get("words", []):
            add(word, 0, topics.index(topic))
        for kind in entry.get("kinds", []):
            for word in [*entry.get("words", []), *taxonomy["topics"][topic].values()]:
                add(word, 2, kinds.index(kind))
    groups = list(taxonomy["groups"])
    for group, entry in (synonyms.get("groups") or {}).items():
        for word in entry.get("words", []):
            add(word, 1, groups.index(group))
    return {w: (t[0], t[1], t[2]) for w, t in terms.items()}


@dataclass(frozen=True)
class SearchIndex:
    names: list[str]  # per place
    titles: list[str]  # per offer (both languages)
    texts: list[str]  # per offer: its description and its place's description
    place_kind: np.ndarray  # per place, kind code
    terms: dict[str, tuple[int, int, int]]  # word -> (topic bits, group bits, kind bits)
    every: frozenset[str]
    vocabulary: tuple[str, ...]
    place_texts: list[str] = field(default_factory=list)  # per place: its description
    offer_texts: list[str] = field(default_factory=list)  # per offer: its own description

    @classmethod
    def build(cls, places: list[dict], offers: list[dict], owner: np.ndarray,
              taxonomy: dict, synonyms: dict, previous: SearchIndex | None = None,
              reuse: tuple[np.ndarray, np.ndarray] | None = None) -> SearchIndex:
        """``reuse``: per place and per offer, its row in ``previous`` when unchanged
        (see :func:`explorer.offerindex.reused_rows`), else -1."""
        def texts_of(labels) -> str:
            return " ".join(v for v in (labels or {}).values() if isinstance(v, str))

        if previous is None or reuse is None:
            reuse = (np.full(len(places), -1), np.full(len(offers), -1))
        old_place, old_offer = reuse
        fresh: list[str] = []

        def derive(old: int, old_values: list[str] | None, text_of, item) -> str:
            if old >= 0:
                return old_values[old]
            fresh.append(words_of(text_of(item)))
            return fresh[-1]

        def old(name: str) -> list[str] | None:
            return getattr(previous, name) if previous is not None else None

        def name_of(f):
            return f["properties"]["name"]

        def description_of(f):
            return texts_of(f["properties"].get("description"))

        def title_of(o):
            return texts_of(o.get("title"))

        def offer_text_of(o):
            return texts_of(o.get("description"))

        names = [derive(j, old("names"), name_of, f)
                 for f, j in zip(places, old_place, strict=True)]
        place_texts = [derive(j, old("place_texts"), description_of, f)
                       for f, j in zip(places, old_place, strict=True)]
        titles = [derive(j, old("titles"), title_of, o)
                  for o, j in zip(offers, old_offer, strict=True)]
        texts = [derive(j if old_place[owner[k]] >= 0 else -1, old("offer_texts"),
                        offer_text_of, o)
                 for k, (o, j) in enumerate(zip(offers, old_offer, strict=True))]
        kinds = list(taxonomy["kinds"])
        if previous is not None:
            terms, every = previous.terms, previous.every
            vocabulary = set(previous.vocabulary)
        else:
            terms, every = term_bits(taxonomy, synonyms), frozenset(
                w for text in synonyms.get("all", []) for w in query_words(text))
            vocabulary = set(terms) | every
        vocabulary |= {w for text in fresh for w in text.split()}
        place_kind = np.array([kinds.index(f["properties"]["kind"]) for f in places], np.int16)
        return cls(names, titles, [t + place_texts[owner[k]] for k, t in enumerate(texts)],
                   place_kind, terms, every, tuple(sorted(vocabulary)), place_texts, texts)

    def variants(self, word: str) -> list[tuple[str, float]]:
        """The word itself if the data knows it (as a word or word start), else near misses."""
        if word in self.terms or word in self.every or len(word) < 4:
            return [(word, 1.0)]
        if any(w.startswith(word) for w in self.vocabulary):
            return [(word, 1.0)]
        limit = 1 if len(word) < 8 else 2
        close = process.extract(word, self.vocabulary, scorer=Levenshtein.distance,
                                score_cutoff=limit, limit=8)
        return [(w, FUZZY) for w, _d, _i in close] or [(word, 1.0)]

    def scores(self, q: str, offers: np.ndarray, owner: np.ndarray, topic_bits: np.ndarray,
               group_bits: np.ndarray) -> np.ndarray:
        """Score per candidate offer; 0 where some query word matches nothing."""
        words = query_words(q)
        if not words:  # only stop words ("und", "the"): no text condition at all
            return np.full(len(offers), float(EVERY))
        total = np.zeros(len(offers), float)
        places = owner[offers]
        for word in words:
            best = np.zeros(len(offers), float)
            for variant, factor in self.variants(word):
                best = np.maximum(best, factor * self._word(variant, offers, places,
                                                            topic_bits, group_bits))
            if not best.any():
                return np.zeros(len(offers), float)
            total = np.where(best > 0, total + best, 0.0)
        return total

    def _word(self, word: str, offers: np.ndarray, places: np.ndarray,
              topic_bits: np.ndarray, group_bits: np.ndarray) -> np.ndarray:
        if word in self.every:
            return np.full(len(offers), float(EVERY))
        needle = " " + word
        score = np.zeros(len(offers), float)
        score[[needle in self.texts[j] for j in offers.tolist()]] = TEXT
        topic, group, kind = self.terms.get(word, (0, 0, 0))
        if group:
            score[(group_bits[offers] & np.uint64(group)) != 0] = GROUP
        if topic:
            score[(topic_bits[offers] & np.uint64(topic)) != 0] = TOPIC
        hits = np.array([needle in self.titles[j] for j in offers.tolist()], bool)
        score[hits] = np.maximum(score[hits], TITLE)
        if kind:
            of_kind = ((1 << self.place_kind[places].astype(np.int64)) & kind) != 0
            score[of_kind] = np.maximum(score[of_kind], KIND)
        named = np.array([needle in self.names[p] for p in places.tolist()], bool)
        score[named] = NAME
        first = np.array([self.names[p].startswith(needle) for p in places.tolist()], bool)
        score[first] += NAME_START
        return score
