"""Grouping similar free-text answers, to suggest themes to an official (README, "Free text, themes and
marks").

Pure computation, no database: given the texts, it returns groups of their positions and a readable name
for each group. Answers are compared by their content words (stop words in Swedish and English removed,
lists in `stop_words/`) cut into character n-grams, so the word forms of Swedish meet: "parkering",
"parkeringen" and "parkeringsplatser" share most of their n-grams, as do the parts of compounds
("vägarbetet", "gatuarbeten"). The n-grams are weighted with TF-IDF and the answers grouped by
agglomerative clustering (complete linkage: every pair in a group is alike, so one shared word such as
"kunder" does not chain two themes together) on the cosine distance; how many groups there are is chosen from the data (the
number whose silhouette score is best), not fixed.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

# Most groups an official could review at once; a corpus rarely has more clear themes.
MAX_GROUPS = 12
# A theme is something several answers say: a group of one is no suggestion.
MIN_GROUP_SIZE = 2
# Agglomerative clustering holds an n×n distance matrix; the rest are left out of suggestions.
MAX_TEXTS = 3000
# Words shorter than this carry little meaning ("ok", "nr") and make noisy n-grams.
MIN_WORD_LENGTH = 3
# Letters that make the key by which word forms of one word are counted together in a name.
NAME_KEY_LENGTH = 5
NAME_TERMS = 3

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class Group:
    name: str  # its top terms, e.g. "Parkering, kunder, platser"
    members: tuple[int, ...]  # positions in the texts given, in order


@functools.cache
def stop_words() -> frozenset[str]:
    """The Swedish and English stop words shipped with the package."""
    words: set[str] = set()
    for name in ("sv.txt", "en.txt"):
        text = resources.files("bot.services").joinpath("stop_words", name).read_text(encoding="utf-8")
        words.update(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return frozenset(words)


def content_words(text: str) -> list[str]:
    """The words of `text` that say what it is about: lower case, no stop words, no short words."""
    stops = stop_words()
    words = (word.replace("’", "'") for word in _WORD.findall(text.casefold()))
    return [word for word in words if len(word) >= MIN_WORD_LENGTH and word not in stops]


def group_texts(texts: Sequence[str]) -> list[Group]:
    """Groups of similar texts, largest first; texts that fit no group are in none."""
    words = [content_words(text) for text in texts[:MAX_TEXTS]]
    usable = [index for index, found in enumerate(words) if found]
    if len(usable) < MIN_GROUP_SIZE + 1:
        return []
    labels = _cluster([" ".join(words[index]) for index in usable])
    by_label: dict[int, list[int]] = {}
    for index, label in zip(usable, labels, strict=True):
        by_label.setdefault(label, []).append(index)
    members = [tuple(group) for group in by_label.values() if len(group) >= MIN_GROUP_SIZE]
    members.sort(key=lambda group: (-len(group), group[0]))
    return [Group(_name(group, words), group) for group in members]


def _cluster(documents: list[str]) -> list[int]:
    """A group label for each document, with the number of groups whose silhouette is best."""
    # scikit-learn loads in about a second: imported here, so only suggesting themes pays for it.
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit_transform(documents)
    dense = vectors.toarray()
    if len(documents) < 3 or not (dense != dense[0]).any():
        return [0] * len(documents)  # too few, or all alike: nothing to tell apart
    best: tuple[float, list[int]] | None = None
    for count in range(2, min(MAX_GROUPS, len(documents) - 1) + 1):
        labels = AgglomerativeClustering(n_clusters=count, metric="cosine", linkage="complete").fit_predict(dense)
        score = float(silhouette_score(dense, labels, metric="cosine"))
        if best is None or score > best[0] + 1e-9:  # on a tie, fewer groups
            best = (score, [int(label) for label in labels])
    assert best is not None
    return best[1]


def _name(group: tuple[int, ...], words: list[list[str]]) -> str:
    """The group's top terms: the word forms its answers share most and the other answers least."""
    usable = [found for found in words if found]
    everywhere = Counter(key for found in usable for key in {_key(word) for word in found})
    inside = Counter(key for index in group for key in {_key(word) for word in words[index]})
    forms: dict[str, Counter[str]] = {}
    for index in group:
        for word in words[index]:
            forms.setdefault(_key(word), Counter())[word] += 1
    scores = {
        key: (count / len(group)) * math.log((1 + len(usable)) / (1 + everywhere[key]))
        for key, count in inside.items()
        if count >= min(2, len(group))
    }
    top = sorted(scores, key=lambda key: (-scores[key], key))[:NAME_TERMS]
    # Each key is shown as its most frequent form in the group; on a tie, the shortest.
    shown = [min(forms[key], key=lambda form: (-forms[key][form], len(form), form)) for key in top]
    name = ", ".join(shown)
    return name[:1].upper() + name[1:]


def _key(word: str) -> str:
    return word[:NAME_KEY_LENGTH]


def most_typical(texts: Sequence[str], count: int) -> list[int]:
    """Positions of the `count` texts most like the rest (closest to their TF-IDF centroid), most typical
    first: the quotes that represent a theme. Texts without content words come last."""
    words = [" ".join(content_words(text)) for text in texts[:MAX_TEXTS]]
    usable = [index for index, found in enumerate(words) if found]
    rest = [index for index in range(len(words)) if not words[index]]
    if len(usable) <= 1:
        return (usable + rest)[:count]
    from sklearn.feature_extraction.text import TfidfVectorizer  # see _cluster

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit_transform(
        [words[index] for index in usable]
    ).toarray()
    centre = vectors.mean(axis=0)
    closeness = vectors @ centre  # rows are unit vectors: the centroid's cosine, up to one factor
    ranked = sorted(range(len(usable)), key=lambda i: (-float(closeness[i]), usable[i]))
    return ([usable[i] for i in ranked] + rest)[:count]
