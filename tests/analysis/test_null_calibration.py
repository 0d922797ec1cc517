"""Slow tier: the evidence rule on surveys without any exposure effect, per finding and per survey.

Run with ``pytest -m slow -s tests/analysis/test_null_calibration.py``. ``NULL_SURVEYS``
surveys of the embedded survey's size (206 establishments) are simulated with every
planted exposure effect zero (:func:`thuiswerk.data.generator.null_slopes`; the margins are
still hit), every outcome model is fitted, the joint models included (as the embedded
survey allows each: :func:`thuiswerk.modelling.workflow.adapt`), and every slope and contrast
finding is worded by the one rule (42 findings per survey), a contrast from the draws of
its joint model. On such surveys every *duidelijk* and every *duidelijk tegen de
verwachting* is a false positive.

The job is the one ``thuiswerk null`` runs with its defaults (``design.null_job``: the
embedded survey's models and size, the project's seed, 2 chains x (500 tuning + 1000)
draws), on the many-fit runner (:mod:`thuiswerk.studies.many`, a local Dask cluster): each
survey's seed comes from the seed and the replicate number, so the result does not depend
on the number of workers, and an interrupted run resumes from the stored surveys. The
results folder is ``THUISWERK_NULL_RESULTS`` when set, else a temporary folder: after
``thuiswerk null --results data/replicates`` (about an hour on 2 cores), run this test with
``THUISWERK_NULL_RESULTS=data/replicates`` and it reuses those surveys instead of fitting
them again.

Multiplicity separates two rates (:func:`thuiswerk.studies.design.null_summary`). Per finding
the rule is built to say *duidelijk* with probability 1 - 0.975 = 2.5% when nothing is
there; the test asserts the measured rate is at most 2.5% plus twice its Monte Carlo
standard error (an error over surveys, since the findings of one survey share its data),
and the same for *duidelijk tegen de verwachting*. Per survey, with 42 findings, a
share of the null surveys has at least one *duidelijk*: printed, not asserted (the rule
does not correct for the number of findings; appendix A and README.md say both rates).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from thuiswerk.core import nl
from thuiswerk.core.runconfig import DEFAULT_SEED
from thuiswerk.modelling import workflow
from thuiswerk.studies import design, many

pytestmark = pytest.mark.slow

NULL_SURVEYS = 20
EMBEDDED = Path(__file__).resolve().parents[2] / "data" / "synthetic"


def test_duidelijk_is_rare_per_finding_when_nothing_is_there(tmp_path):
    survey = workflow.load_valid_survey(EMBEDDED)
    chosen = [a.spec for a in (workflow.adapt(s, survey) for s in workflow.resolve_specs(list(design.NULL_MODELS)))]
    assert all(s is not None for s in chosen) and {"workload_joint", "isolation_joint"} <= set(design.NULL_MODELS)
    job = design.null_job(chosen, NULL_SURVEYS, DEFAULT_SEED, len(survey.establishments))
    root = Path(os.environ.get("THUISWERK_NULL_RESULTS") or tmp_path)
    outcome = many.run(job, root, DEFAULT_SEED)
    frame = design.null_frame(outcome.ordered(job))
    s = design.null_summary(frame)
    lo, hi = s.share_clear_interval
    print(
        f"\nNull calibration ({outcome.folder}; {outcome.reused} surveys stored before, {outcome.computed} fitted in "
        f"{outcome.seconds / 60:.1f} min): {s.surveys} surveys x {s.findings_per_survey:.0f} findings = {s.findings}."
        f"\nPer finding: 'duidelijk' {s.rate_clear:.4f} (MC SE {s.se_clear:.4f}), 'duidelijk tegen de verwachting' "
        f"{s.rate_opposite:.4f} (MC SE {s.se_opposite:.4f}), 'aanwijzing' {s.rate_hint:.3f}; nominal "
        f"{design.NOMINAL_RATE:.3f}; mean P(expected direction) {s.mean_p_expected:.3f}."
        f"\nPer survey: at least one 'duidelijk' in {s.surveys_clear} of {s.surveys} ({s.share_clear:.2f}, 95% "
        f"{lo:.2f}-{hi:.2f}), at least one of either in {s.surveys_either}; 'duidelijk' per survey "
        f"{s.mean_clear:.2f} (SE {s.se_mean_clear:.2f})."
    )
    clear = frame["wording"] == nl.EVIDENCE_CLEAR
    print(frame[clear | (frame["wording"] == nl.EVIDENCE_OPPOSITE)].to_string())
    assert s.surveys == NULL_SURVEYS
    assert s.findings == NULL_SURVEYS * len(design.null_findings(design.NULL_MODELS))
    assert set(frame.loc[frame["kind"] == "contrast", "model"]) >= {"workload_joint", "isolation_joint"}
    assert s.rate_clear <= design.NOMINAL_RATE + 2 * s.se_clear, frame[clear].to_string()
    assert s.rate_opposite <= design.NOMINAL_RATE + 2 * s.se_opposite
    # the probabilities of the expected direction are centred on 1/2 when nothing is there
    assert 0.35 <= s.mean_p_expected <= 0.65
