"""Derivations: validated source datasets in, analysis datasets out (admiral-style verbs).

``derive_*`` takes a dataset and returns it with variables or rows added; ``compute_*`` takes
vectors and returns a vector. Every derivation takes the data cut-off explicitly.
"""
