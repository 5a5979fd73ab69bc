"""The spaCy side of kg-builder: model loading, the gazetteer ruler and the extraction component."""

from .pipeline import extract_docs, load_pipeline, resolve_model

__all__ = ["extract_docs", "load_pipeline", "resolve_model"]
