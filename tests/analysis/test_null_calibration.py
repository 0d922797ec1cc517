"""Slow tier: the evidence rule's false-positive rate on surveys without any exposure effect.

Run with ``pytest -m slow -s tests/analysis/test_null_calibration.py``. ``NULL_SURVEYS`` surveys of the
real design (206 establishments) are simulated with every planted exposure effect set
to zero (:func:`thuiswerk.data.generator.null_slopes`; the margins are still hit), each
outcome model with the employees' knowledge and with the employer's reports is fitted,
and every slope finding of those models is worded by the one rule. (The joint models'
contrasts are left out to keep the run under an hour on 2 cores: compiling each model
anew for each survey costs about 22 s of its 28.) Surveys run as tasks of
:mod:`thuiswerk.studies.many` (``design.null_job``, on a local Dask cluster), each with its own
seed derived from the run's seed and the replicate number, so the result does not
depend on the number of workers; an interrupted run resumes from the stored surveys. On such surveys every
"duidelijk" is a false positive; the source report's standard (p < 0.05) allows at most
5% of them. The test asserts that rate over all null findings and prints it per
finding (README.md quotes the measured rate).

Sampling uses 2 chains x (500 tuning + 1000) draws, one worker per core: 2,000 draws
place a probability near 0.975 within about 0.004 of its value (its Monte Carlo
error), at a cost the slow tier can pay for 20 surveys x 6 models.
"""

from __future__ import annotations

import pandas as pd
import pytest

from thuiswerk.analysis import estimands
from thuiswerk.core import nl
from thuiswerk.modelling import specs
from thuiswerk.studies import design, many

pytestmark = pytest.mark.slow

NULL_SURVEYS = 20
MAX_RATE = 0.05
RUN_SEED = 20260101
MODELS = tuple(sorted({e.model for e in estimands.ESTIMANDS if e.kind == "slope" and not specs.get(e.model).joint_of}))
SLOPE_FINDINGS = tuple(e for e in estimands.ESTIMANDS if e.kind == "slope" and e.model in MODELS)


def test_duidelijk_is_rare_when_nothing_is_there(tmp_path):
    job = design.null_job(MODELS, NULL_SURVEYS, RUN_SEED)
    outcome = many.run(job, tmp_path, RUN_SEED)
    frame = pd.DataFrame([row | {"replicate": r["replicate"]} for r in outcome.ordered(job) for row in r["findings"]])
    clear = frame["wording"] == nl.EVIDENCE_CLEAR
    rate = float(clear.mean())
    hint = float((frame["wording"] == nl.EVIDENCE_HINT).mean())
    print(
        f"\nNull calibration: {NULL_SURVEYS} surveys x {frame['id'].nunique()} findings = {len(frame)} null findings; "
        f"'duidelijk' {int(clear.sum())} ({rate:.3f}), 'aanwijzing' {hint:.3f}; "
        f"mean P(expected direction) {frame['p_expected_direction'].mean():.3f}; {outcome.seconds / 60:.1f} min"
    )
    print(frame.groupby("id")["wording"].apply(lambda w: (w == nl.EVIDENCE_CLEAR).mean()).to_string())
    assert len(frame) == NULL_SURVEYS * len(SLOPE_FINDINGS) >= 20 * 25
    assert rate <= MAX_RATE, frame[clear].to_string()
    # the probabilities of the expected direction are centred on 1/2 when nothing is there
    assert 0.35 <= frame["p_expected_direction"].mean() <= 0.65
