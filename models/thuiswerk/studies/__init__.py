"""Studies: many independent fits (SBC, K-fold, design, scenarios) and the benchmark.

Imports only :mod:`thuiswerk.analysis` and the layers below it.
"""
