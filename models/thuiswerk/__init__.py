"""thuiswerk: Bayesian re-analysis of the Arbo in Bedrijf Special Thuiswerken survey."""

__version__ = "0.1.0"
