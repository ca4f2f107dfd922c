"""Method: the rules a project sets for how claims are worded, and the checks that apply them.

A key message is hedged to match its certainty, as GRADE guideline 26 words informative
statements: "X probably ..." when moderate, "X may ..." when low, "it is uncertain whether X"
when very low. The phrases that count as such a hedge, and how long a key message may be,
are the project's to set (``key_messages:`` among the evidence plugin's options).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from build_tools.engine.model import Certainty

DEFAULT_HEDGES: dict[Certainty, tuple[str, ...]] = {
    Certainty.high: (),
    Certainty.moderate: ("probably", "likely"),
    Certainty.low: ("may", "might", "could", "possibly"),
    Certainty.very_low: ("uncertain", "unclear", "not known"),
}
DEFAULT_MAX_WORDS = 25


class MethodError(ValueError):
    """The project's settings for the method are not usable; the message says which and why."""


@dataclass(frozen=True)
class KeyMessageRules:
    """How long a key message may be, and the phrases that hedge it at each certainty below high."""

    max_words: int = DEFAULT_MAX_WORDS
    hedges: Mapping[Certainty, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_HEDGES))

    @classmethod
    def from_settings(cls, settings: Any) -> KeyMessageRules:
        """The rules from the plugin's ``key_messages:`` option::

            key_messages:
              max_words: 25
              hedges:
                moderate: [probably, likely]
                low: [may, might]
                very low: [uncertain]

        Levels left out keep their default phrases. Raises :class:`MethodError`.
        """
        if settings is None:
            return cls()
        if not isinstance(settings, dict):
            raise MethodError("key_messages: expected settings such as `max_words: 25` and `hedges:`")
        unknown = set(settings) - {"max_words", "hedges"}
        if unknown:
            raise MethodError(f"key_messages: unknown setting {', '.join(sorted(map(str, unknown)))}; "
                              "the settings are max_words and hedges")
        max_words = settings.get("max_words", DEFAULT_MAX_WORDS)
        if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1:
            raise MethodError(f"key_messages: max_words must be a whole number above 0, not {max_words!r}")
        hedges = dict(DEFAULT_HEDGES)
        given = settings.get("hedges")
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise MethodError("key_messages: hedges maps a certainty (moderate, low, very low) to a list of phrases")
        for level, phrases in given.items():
            try:
                certainty = Certainty(str(level))
            except ValueError:
                certainty = None
            if certainty is None or certainty is Certainty.high:
                raise MethodError(f"key_messages: hedges: '{level}' is not a certainty below high; use moderate, low "
                                  "or very low (a highly certain finding is stated without a hedge)")
            if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip()
                                                                        for p in phrases):
                raise MethodError(f"key_messages: hedges: {level}: expected a list of one or more phrases")
            hedges[certainty] = tuple(" ".join(p.split()) for p in phrases)
        return cls(max_words, hedges)

    def words(self, message: str) -> int:
        return len(message.split())

    def hedge_used(self, message: str, certainty: Certainty) -> str | None:
        """The first of the level's phrases the message uses, as a whole word or words; "" when the level
        asks for none."""
        phrases = self.hedges.get(certainty, ())
        if not phrases:
            return ""
        return next((p for p in phrases if _phrase(p).search(message)), None)


_PHRASES: dict[str, re.Pattern[str]] = {}


def _phrase(phrase: str) -> re.Pattern[str]:
    pattern = _PHRASES.get(phrase)
    if pattern is None:
        words = r"\s+".join(re.escape(word) for word in phrase.split())
        pattern = _PHRASES[phrase] = re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
    return pattern


DEFAULT_MIN_QUOTE_WORDS = 3


@dataclass(frozen=True)
class QuoteRules:
    """How much a quote must hold: at least ``min_words`` words in each part between its elisions, so that a word
    or two that occur anywhere cannot pass as evidence."""

    min_words: int = DEFAULT_MIN_QUOTE_WORDS

    @classmethod
    def from_settings(cls, settings: Any) -> QuoteRules:
        """The rules from the plugin's ``quotes:`` option (``quotes: {min_words: 3}``). Raises :class:`MethodError`."""
        if settings is None:
            return cls()
        if not isinstance(settings, dict) or set(settings) - {"min_words"}:
            raise MethodError("quotes: the one setting is min_words, e.g. `quotes: {min_words: 3}`")
        min_words = settings.get("min_words", DEFAULT_MIN_QUOTE_WORDS)
        if isinstance(min_words, bool) or not isinstance(min_words, int) or min_words < 1:
            raise MethodError(f"quotes: min_words must be a whole number above 0, not {min_words!r}")
        return cls(min_words)


@dataclass(frozen=True)
class Method:
    """Every rule a project sets for its records: key messages and quotes."""

    key_messages: KeyMessageRules = field(default_factory=KeyMessageRules)
    quotes: QuoteRules = field(default_factory=QuoteRules)

    @classmethod
    def from_settings(cls, plugin_options: Mapping[str, Any]) -> Method:
        """The rules from the evidence plugin's options (``key_messages:``, ``quotes:``).

        Raises :class:`MethodError`."""
        return cls(KeyMessageRules.from_settings(plugin_options.get("key_messages")),
                   QuoteRules.from_settings(plugin_options.get("quotes")))
