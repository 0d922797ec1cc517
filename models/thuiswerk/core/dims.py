"""Dimension names: the one place they are spelled.

Every model builder, the fit store, the summaries and the figures use these
constants; ``tests/test_dims.py`` asserts that every fitted variable's dims come
from this list, so a typo cannot create a second name for the same axis.
"""

from __future__ import annotations

ESTABLISHMENT = "establishment"  # vestiging (a row of the establishments table)
EMPLOYEE = "employee"  # an employee with an outcome in the model
MEASURE = "measure"  # the 15 measures of Table 1
ROLE = "role"  # leidinggevende / niet_leidinggevende
REPORTED = "reported"  # employer reports the measure: nee / ja
ASPECT = "aspect"  # an item of an ordinal outcome (workload or isolation aspect)
REGION = "region"  # body region of a complaint
CUT = "cut"  # cut point of an ordinal scale (K - 1 of them)
GAP = "gap"  # gap between consecutive cut points (K - 2 of them)
PREDICTOR = "predictor"  # an adjustment covariate (one slope for all items and roles)
TERM = "term"  # an exposure slope for one role ("knows_working_hours|leidinggevende")
EXPOSURE = "exposure"  # an exposure predictor (its slopes share a spread over items)
SECTOR = "sector"
SIZE_CLASS = "size_class"
OBS = "obs"  # one observed cell in long format
INDICATOR = "indicator"  # a binomial indicator of the population model (a share's answer or its subset)
CELL = "cell"  # a stratum of the population model: sector x size class

ALL = (
    ESTABLISHMENT,
    EMPLOYEE,
    MEASURE,
    ROLE,
    REPORTED,
    ASPECT,
    REGION,
    CUT,
    GAP,
    PREDICTOR,
    TERM,
    EXPOSURE,
    SECTOR,
    SIZE_CLASS,
    OBS,
    INDICATOR,
    CELL,
)
