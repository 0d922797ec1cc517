"""Analysis: the findings table, post-stratification, LOO, predictive checks, non-response and its sensitivity.

Imports only :mod:`thuiswerk.modelling` and the layers below it.
"""
