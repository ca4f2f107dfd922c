"""Quote matching forgives typography, never wording; elisions match ordered parts of one passage."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from build_tools.engine.quotes import MAX_GAP, find_quote, nearest_passage, normalise, split_elisions

SOURCE = normalise("""\
CCGs are “perceived by the players within [them] as less beholden to any higher authority”.
Clinical leaders “seemed to be more willing to challenge or ignore diktats and messages
from above” – and to encourage their managerial colleagues to do the same.
“They don’t really mind how they do things as long as they feel they’re having an impact and… they’re less
beholden to the system,” he added. Fifty-three per cent said “little or some influence locally”.
""")


def found(quote: str, source: str = SOURCE) -> bool:
    return find_quote(quote, source).found


@pytest.mark.parametrize("quote", [
    "They don't really mind how they do things",            # straight apostrophe for curly
    "“They don’t really mind",                              # curly as in the source
    '"They don\'t really mind',                              # straight double quote for curly
    "from above\" - and to encourage",                      # hyphen for en dash
    "from above” — and to encourage",                       # em dash for en dash
    "ignore diktats and messages from above",               # line break in the source
    "ignore   diktats and\n   messages from above",         # line breaks and spaces in the quote
    "Fifty-three per cent",
    "players within [them] as less beholden",               # editorial brackets that are part of the source
    "having an impact and… they’re less beholden",          # the source's own ellipsis
    "having an impact and... they're less beholden",         # ... for …
])
def test_typographic_variants_match(quote):
    assert found(quote)


@pytest.mark.parametrize("quote", [
    "they don't really mind",               # case differs
    "They don't really care",               # words differ
    "players within [CCGs] as less",        # an insertion the source does not have
    "Fifty three per cent",                 # hyphen missing is a different text
])
def test_wording_differences_do_not_match(quote):
    assert not found(quote)


@pytest.mark.parametrize("quote", [
    "Clinical leaders … to challenge or ignore diktats",
    "Clinical leaders [...] to challenge or ignore diktats",
    "Clinical leaders [ . . . ] to challenge or ignore diktats",
    "Clinical leaders […] messages from above",
    "Clinical leaders...to encourage their managerial colleagues",
    "seemed to be more willing … diktats … to do the same",
])
def test_elisions_match_ordered_parts(quote):
    assert found(quote)


def test_elided_parts_out_of_order_do_not_match():
    assert not found("to encourage their managerial colleagues … Clinical leaders")


def test_elided_parts_must_be_in_one_passage():
    far = normalise("Alpha beta gamma. " + "filler text. " * (MAX_GAP // 10) + "Delta epsilon.")
    assert found("Alpha beta … Delta epsilon", far) is False
    near = normalise("Alpha beta gamma. filler. Delta epsilon.")
    assert found("Alpha beta … Delta epsilon", near)


def test_elision_finds_a_later_occurrence_of_the_first_part():
    text = normalise("He said yes. " + "x" * (MAX_GAP + 50) + " He said yes and then no.")
    assert found("He said yes … then no", text)


def test_unicode_normal_forms_compare_equal():
    composed = normalise(unicodedata.normalize("NFC", "café society"))
    assert found(unicodedata.normalize("NFD", "café society"), composed)


def test_ascii_typography_is_normalised_too():
    """A backtick is an apostrophe even in a text with no other special character."""
    assert normalise("it`s  the\tGP`s\nview") == "it's the GP's view"


def test_split_elisions():
    assert split_elisions("a … b [...] c […] d ... e") == ["a", "b", "c", "d", "e"]
    assert split_elisions("… leading and trailing …") == ["leading and trailing"]


def test_nearest_passage_points_at_the_likely_intended_words():
    near = nearest_passage("seemed to be more wiling to challenge or ignore", SOURCE)
    assert "seemed to be more willing to challenge" in near


def test_nearest_passage_is_empty_when_nothing_is_alike():
    assert nearest_passage("zzzz", "abc") == ""


# --- properties of the normaliser -----------------------------------------

text_strategy = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


@given(text_strategy)
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


@given(text_strategy)
def test_normalised_text_has_single_spaces_and_no_curly_quotes(text):
    result = normalise(text)
    assert "  " not in result and "\n" not in result
    assert result == result.strip()
    assert not set(result) & set("“”‘’–—")


@given(st.lists(st.text(alphabet="abcdefghij’“”–", min_size=1, max_size=8), min_size=1, max_size=12),
       st.data())
def test_whitespace_between_words_never_matters(words, data):
    """However words are separated (spaces, line breaks, tabs), the normal form is the same."""
    separators = data.draw(st.lists(st.sampled_from([" ", "  ", "\n", "\t", " \r\n "]),
                                    min_size=len(words) - 1, max_size=len(words) - 1))
    spaced = words[0] + "".join(sep + word for sep, word in zip(separators, words[1:], strict=True))
    assert normalise(spaced) == normalise(" ".join(words))


@given(st.text(alphabet="abc ’'“\"–-\n", min_size=1, max_size=80), st.data())
def test_any_passage_of_a_source_is_found_in_it(text, data):
    source = normalise(text)
    if not source:
        return
    start = data.draw(st.integers(0, len(source) - 1))
    end = data.draw(st.integers(start + 1, len(source)))
    passage = source[start:end]
    before, after = source[start - 1] if start else " ", source[end] if end < len(source) else " "
    cut_in_a_word = (before + passage[0]).isalpha() or (passage[-1] + after).isalpha()
    if passage.strip() and "..." not in passage and not cut_in_a_word:
        assert found(passage, source)


@given(st.text(alphabet="abcdef ", min_size=1, max_size=60))
def test_curly_and_straight_forms_of_a_quote_are_equivalent(text):
    curly = text.replace("a", "’").replace("b", "“")
    straight = text.replace("a", "'").replace("b", '"')
    assert normalise(curly) == normalise(straight)


@pytest.mark.parametrize(("quote", "source", "found"), [
    ("likely to change", "CCGs are unlikely to change their models of care.", False),
    ("likely to change", "CCGs are likely to change their models of care.", True),
    ("boards change", "the boards changed little", False),
    ("boards … change", "the boards, it seems, changed little", False),
    ("boards … change", "the boards, it seems, change little", True),
    ("sure … the centre", "unsure of the centre; sure of the centre", True),
    ("in 20", "in 2020 the boards", False),
    ("subsumed specialist commissioning", "subsumed specialist commissioning2 and primary care", True),
    ("“could change services quickly”", "they “could change services quickly” – often", True),
    ("… to emergency care", "patients went to emergency care instead", True),
    ("went to …", "patients went to emergency care instead", True),
])
def test_quotes_match_whole_words_only(quote, source, found):
    """A quote found inside a longer word would say something the source does not ("unlikely" → "likely")."""
    assert find_quote(quote, normalise(source)).found is found


def test_elided_parts_may_not_overlap_in_the_source():
    """Each part starts after the one before it ends: "less constrained … constrained by" is not in a source that
    says "less constrained by" once."""
    source = normalise("Boards were less constrained by the centre than before.")
    assert not find_quote("less constrained … constrained by the centre", source).found
    assert find_quote("less constrained … the centre", source).found
