"""Namespace IRIs as plain strings: what the query path needs without importing rdflib.

rdflib takes about 0.15 s to import, half the start-up of ``kg-builder query``. The query
runner, the store helpers and the command line only need the namespace IRIs and the prefix
map, so they read them from here; :mod:`kg_builder.namespaces` builds its rdflib
``DefinedNamespace`` classes on these same strings (one source for both).
"""

from __future__ import annotations

__all__ = ["KG", "SEM", "GAF", "GEO", "SCHEMA", "PROV", "SKOS", "OWL", "RDFS", "RDF", "XSD",
           "WIKIDATA", "PREFIXES"]

KG = "https://w3id.org/kg-builder/ontology#"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
GAF = "http://groundedannotationframework.org/gaf#"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
WIKIDATA = "http://www.wikidata.org/entity/"

#: Prefix map used for every serialisation and for query headers.
PREFIXES: dict[str, str] = {
    "kg": KG,
    "sem": SEM,
    "gaf": GAF,
    "prov": PROV,
    "geo": GEO,
    "schema": SCHEMA,
    "skos": SKOS,
    "owl": OWL,
    "rdfs": RDFS,
    "rdf": RDF,
    "xsd": XSD,
    "wd": WIKIDATA,
}
