"""The validation cache makes a second run faster and never different."""

from __future__ import annotations

import os
import pickle

import pytest

from build_tools.engine import cache as cache_module
from build_tools.engine.cache import ValidationCache
from build_tools.engine.validate import run


@pytest.fixture
def cache_dir(valid_project):
    return valid_project.root / ".cache" / "validation"


def _findings(report):
    return [str(f) for f in report.findings]


def _count_parses(monkeypatch):
    from build_tools.engine import load

    parsed: list[str] = []
    original = load.load_record_file

    def counting(kind, path, shown, stem):
        parsed.append(stem)
        return original(kind, path, shown, stem)

    monkeypatch.setattr(load, "load_record_file", counting)
    return parsed


def _count_quote_searches(monkeypatch):
    from build_tools.engine import validate

    searched: list[str] = []
    original = validate.find_quote

    def counting(quote, text):
        searched.append(quote)
        return original(quote, text)

    monkeypatch.setattr(validate, "find_quote", counting)
    return searched


def test_second_run_parses_only_the_edited_file_and_searches_only_its_quotes(valid_project, cache_dir, monkeypatch):
    first = run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    assert first.ok and (cache_dir / "quotes.pickle").is_file()
    parsed, searched = _count_parses(monkeypatch), _count_quote_searches(monkeypatch)
    claim = valid_project.evidence / "claims" / "effect-unknown.yaml"
    claim.write_text(claim.read_text().replace("The effect on patients", "The effect on patients' health")
                     .replace("too soon to say what", "too early to say what"))
    second = run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    assert parsed == ["effect-unknown"]
    assert searched == ["It's too early to say what the effect on patients will be"]
    assert [f.code for f in second.errors] == ["quote-not-found"]
    assert second.graph.claims["effect-unknown"].statement.startswith("The effect on patients' health")


def test_results_with_a_cache_are_those_without(valid_project, cache_dir):
    """Findings, with their lines and hints, come out the same from cached records."""
    claim = valid_project.evidence / "claims" / "boards-feel-freer.yaml"
    claim.write_text(claim.read_text().replace("themes: [autonomy]", "themes: [autonomy, autonomie]"))
    (valid_project.evidence / "themes" / "broken.yaml").write_text("id: broken\ntitle: [\n")
    fresh = _findings(run(valid_project.evidence, valid_project.archive))
    assert fresh, "the fixture should produce findings"
    run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    assert _findings(run(valid_project.evidence, valid_project.archive, cache=cache_dir)) == fresh


def test_archived_texts_unchanged_since_the_last_run_are_not_read_again(valid_project, cache_dir, monkeypatch):
    from build_tools.engine.quotes import Archive

    run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    read: list[str] = []
    original = Archive.read
    monkeypatch.setattr(Archive, "read", lambda self, name, **keep: read.append(name) or original(self, name, **keep))
    assert run(valid_project.evidence, valid_project.archive, cache=cache_dir).ok
    assert read == []
    (valid_project.archive / "other.txt").write_text("A second study of 12 areas found boards.\n")
    report = run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    assert read == ["other.txt"]
    assert {"archive-hash", "quote-not-found"} <= {f.code for f in report.errors}
    assert {f.code for f in run(valid_project.evidence, valid_project.archive, cache=cache_dir).errors} == {
        "archive-hash", "quote-not-found"}, "a changed text's hash is kept too, and its quotes checked again"


def test_a_changed_archive_text_verifies_its_quotes_again(valid_project, cache_dir, monkeypatch):
    run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    text = (valid_project.archive / "journal.txt").read_text()
    (valid_project.archive / "journal.txt").write_text(text.replace("less constrained", "more constrained"))
    searched = _count_quote_searches(monkeypatch)
    report = run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    assert "less constrained by the centre" in searched
    assert {"archive-hash", "quote-not-found"} <= {f.code for f in report.errors}


def test_a_deleted_record_is_gone_from_the_next_run_and_from_the_cache(valid_project, cache_dir):
    run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    (valid_project.evidence / "questions" / os.listdir(valid_project.evidence / "questions")[0]).unlink()
    report = run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    assert not report.graph.questions
    cached = ValidationCache.open(cache_dir).records
    assert not any("/questions/" in key[0] for key in cached)


def _payload(path) -> bytes:
    """A cache file's pickle, after its header and signature."""
    data = path.read_bytes()
    assert data.startswith(cache_module._SIGNED)
    return data[len(cache_module._SIGNED) + 32:]


def _sign(path, content: bytes) -> None:
    key = cache_module.signing_key()
    path.write_bytes(cache_module._SIGNED + cache_module._signature(key, path.name, content) + content)


def test_a_cache_from_other_code_or_a_damaged_one_is_ignored(valid_project, cache_dir, monkeypatch):
    run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    shards = sorted(cache_dir.glob("records-*.pickle"))
    shards[0].write_bytes(b"not a pickle")
    for other in shards[1:]:
        _version, content = pickle.loads(_payload(other))
        _sign(other, pickle.dumps(("other code", content)))  # signed by this user, written by other code
    parsed = _count_parses(monkeypatch)
    assert run(valid_project.evidence, valid_project.archive, cache=cache_dir).ok
    assert len(parsed) == sum(1 for _ in valid_project.evidence.rglob("*.yaml"))
    assert cache_module._VERSION in pickle.loads(_payload(shards[0]))


class _Planted:
    """What a stranger's pull request could commit as a cache file: unpickling it runs code."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_a_cache_file_from_the_working_tree_is_never_unpickled_unless_this_user_signed_it(
        valid_project, cache_dir, tmp_path):
    """The cache folder is in the working tree: a pull request can put files there. Unsigned, or signed with
    another key, they are ignored before pickle reads them; the key itself lives outside the project."""
    run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    marker = tmp_path / "code-ran"
    payload = pickle.dumps((cache_module._VERSION, _Planted(str(marker))))
    for path in cache_dir.glob("*.pickle"):
        path.write_bytes(payload)  # unsigned
    stranger = cache_module._SIGNED + cache_module._signature(os.urandom(32), "quotes.pickle", payload) + payload
    (cache_dir / "quotes.pickle").write_bytes(stranger)  # signed, with a key that is not this user's
    assert run(valid_project.evidence, valid_project.archive, cache=cache_dir).ok
    assert not marker.exists(), "a planted pickle ran"
    key = cache_module.key_path()
    assert not key.resolve().is_relative_to(valid_project.root.resolve())
    assert key.stat().st_mode & 0o777 == 0o600


def test_a_cache_folder_planted_as_a_link_or_a_pipe_in_it_is_not_used(valid_project, tmp_path):
    """A planted ``.cache/validation`` link would lead the cache's writes out of the project, and a pipe in the
    folder would hold validation for ever: neither is followed, and validation gives its result."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = valid_project.root / ".cache" / "validation"
    linked.parent.mkdir(parents=True)
    linked.symlink_to(elsewhere)
    assert run(valid_project.evidence, valid_project.archive, cache=linked).ok
    assert list(elsewhere.iterdir()) == []
    piped = tmp_path / "piped"
    piped.mkdir()
    os.mkfifo(piped / "quotes.pickle")
    assert run(valid_project.evidence, valid_project.archive, cache=piped).ok


def test_the_cli_uses_the_cache_unless_told_not_to(valid_project, monkeypatch):
    from build_tools.adapters.cli import main

    monkeypatch.chdir(valid_project.root)
    assert main(["validate", "--archive", "archive"]) == 0
    assert (valid_project.root / ".cache" / "validation" / "quotes.pickle").is_file()
    parsed = _count_parses(monkeypatch)
    assert main(["validate", "--archive", "archive"]) == 0
    assert parsed == []
    assert main(["validate", "--archive", "archive", "--no-cache"]) == 0
    assert len(parsed) == sum(1 for _ in valid_project.evidence.rglob("*.yaml"))


def test_records_read_from_the_cache_behave_as_models_and_share_no_state(valid_project, cache_dir):
    """Models that set the same fields share one fields set in the cache; pydantic still treats them as its own."""
    run(valid_project.evidence, valid_project.archive, cache=cache_dir)
    claims = list(run(valid_project.evidence, valid_project.archive, cache=cache_dir).graph.claims.values())
    fresh = list(run(valid_project.evidence, valid_project.archive).graph.claims.values())
    assert [c.model_dump() for c in claims] == [c.model_dump() for c in fresh]
    claim, other = claims[0], pickle.loads(pickle.dumps(claims[0]))
    assert claim.model_dump(exclude_unset=True) == fresh[0].model_dump(exclude_unset=True)
    copy = claim.model_copy(update={"statement": "Changed."})
    assert copy.statement == "Changed." and claim.statement == fresh[0].statement
    assert claim.model_fields_set == other.model_fields_set == fresh[0].model_fields_set
    judgements = [j for c in claims for _, _, j in c.assessment.components()]
    assert len({id(j.model_fields_set) for j in judgements}) < len(judgements), "one set for the same fields"
    with pytest.raises(Exception, match="frozen"):
        claim.statement = "Changed."  # type: ignore[misc]
    assert claim.model_fields_set == fresh[0].model_fields_set
