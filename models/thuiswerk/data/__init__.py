"""Data: validating, reading and writing surveys, the population frame, published margins and references, shares, the synthetic survey.

Imports only :mod:`thuiswerk.core`.
"""
