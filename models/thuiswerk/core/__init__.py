"""Core: dimension names, errors and exit codes, the run configuration, the codebook, Dutch formats, disclosure control.

Imports nothing else of the package.
"""
