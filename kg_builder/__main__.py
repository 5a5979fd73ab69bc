"""``python -m kg_builder`` runs the command line."""

from .cli import main

main(prog_name="kg-builder")
