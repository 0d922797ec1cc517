"""Figures: every figure of the report, and the seed report's tables, one job a module.

The shared style, the bar-plot engine, the descriptive figures' data and drawings, the seed report's
tables, the registry of its figures, their captions (as data), the model-check and study figures, and
the placeholder figure.

Imports only its own modules, :mod:`thuiswerk.studies` and the layers below it; nothing else of
:mod:`thuiswerk.reporting`, which imports it.
"""
