"""Modelling: priors and predictors as data, model inputs, pure model builders, the one place that samples, the one place that reads and writes fits.

Imports only :mod:`thuiswerk.data` and :mod:`thuiswerk.core`.
"""
