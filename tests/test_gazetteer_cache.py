"""The on-disk gazetteer cache: keyed by content, optional, never trusted blindly."""

from __future__ import annotations

from kg_builder.nlp import pipeline


def test_cache_key_follows_user_files_and_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_BUILDER_CACHE_DIR", str(tmp_path / "cache"))
    extra = tmp_path / "extra.tsv"
    extra.write_text("name\\tcountry\\n", encoding="utf-8")
    first = pipeline._cache_path((str(extra),))
    assert first is not None and first.parent == tmp_path / "cache"
    assert pipeline._cache_path((str(extra),)) == first
    extra.write_text("name\\tcountry\\nSomewhere\\tML\\n", encoding="utf-8")
    assert pipeline._cache_path((str(extra),)) != first
    assert pipeline._cache_path(()) != first
    monkeypatch.setenv("KG_BUILDER_CACHE_DIR", "off")
    assert pipeline._cache_path(()) is None


def test_a_corrupt_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_BUILDER_CACHE_DIR", str(tmp_path))
    path = pipeline._cache_path(())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a pickle")
    pipeline._gazetteers.cache_clear()
    try:
        places, actors = pipeline._gazetteers(())
        assert places.lookup("Bamako") is not None
        assert path.read_bytes() != b"not a pickle"  # rewritten with the real thing
    finally:
        pipeline._gazetteers.cache_clear()
