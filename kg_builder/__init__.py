"""kg-builder: news articles in, an RDF knowledge graph of actors, events and places out."""

__version__ = "0.1.0"
