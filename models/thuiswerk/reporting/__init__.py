"""Reporting: the report context, its tables and figures, and the one place that runs Quarto.

Imports only :mod:`thuiswerk.studies` and the layers below it.
"""
