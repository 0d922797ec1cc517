"""The null calibration's summary (thuiswerk.studies.design, null section) on made-up records: no sampling.

The slow test (tests/analysis/test_null_calibration.py) fits the null surveys; here the
arithmetic of the two rates multiplicity separates (per finding, per survey), the
study file, whether appendix A shows it, and the `thuiswerk null` command's glue (the
many-fit runner replaced by made-up records) are checked.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from thuiswerk.analysis import estimands
from thuiswerk.cli import app
from thuiswerk.core import nl
from thuiswerk.core.resources import REPO_ROOT
from thuiswerk.modelling import specs, workflow
from thuiswerk.studies import design, many

CLEAR, OPPOSITE, NONE, HINT = nl.EVIDENCE_CLEAR, nl.EVIDENCE_OPPOSITE, nl.EVIDENCE_NONE, nl.EVIDENCE_HINT
SHIPPED = REPO_ROOT / "data" / "synthetic"


def record(replicate: int, words: list[str]) -> dict:
    """A null replicate's record as ``design.null_replicate`` stores it, one finding per word."""
    p = {CLEAR: 0.99, OPPOSITE: 0.01, HINT: 0.93, NONE: 0.5, nl.NOT_ESTIMABLE: float("nan")}
    rows = [{"id": f"f{i}", "model": "workload", "kind": "slope", "mean": 0.0, "p_expected_direction": p[w],
             "wording": w} for i, w in enumerate(words)]  # fmt: skip
    return {"replicate": replicate, "findings": rows, many.TIMING: {"fits": 1}}


def test_two_clear_in_one_survey_and_none_in_the_other():
    frame = design.null_frame([record(0, [CLEAR, CLEAR, NONE, NONE]), record(1, [NONE, NONE, OPPOSITE, HINT])])
    s = design.null_summary(frame)
    assert (s.surveys, s.findings, s.findings_per_survey) == (2, 8, 4.0)
    assert s.rate_clear == pytest.approx(2 / 8) and s.rate_opposite == pytest.approx(1 / 8)
    # per-survey rates 0.5 and 0: their SD (0.354) over sqrt(2)
    assert s.se_clear == pytest.approx(0.25) and s.se_opposite == pytest.approx(0.125)
    assert (s.surveys_clear, s.share_clear, s.surveys_either, s.share_either) == (1, 0.5, 2, 1.0)
    assert s.mean_clear == pytest.approx(1.0) and s.se_mean_clear == pytest.approx(1.0)
    assert s.rate_hint == pytest.approx(1 / 8)
    assert s.mean_p_expected == pytest.approx((0.99 * 2 + 0.5 * 4 + 0.01 + 0.93) / 8)
    lo, hi = s.share_clear_interval
    assert lo < 0.5 < hi and s.share_either_interval[1] == pytest.approx(1.0)


def test_the_error_is_zero_when_every_survey_has_the_same_rate_and_rows_without_a_number_are_left_out():
    frame = design.null_frame([record(r, [CLEAR, NONE, NONE, NONE, nl.NOT_ESTIMABLE]) for r in range(3)])
    s = design.null_summary(frame)
    assert s.findings == 12 and s.findings_per_survey == 4.0  # the finding without a number does not count
    assert s.rate_clear == pytest.approx(0.25) and s.se_clear == pytest.approx(0.0)
    assert s.rate_opposite == 0.0 and s.se_opposite == 0.0
    assert (s.surveys_clear, s.share_clear, s.mean_clear, s.se_mean_clear) == (3, 1.0, 1.0, 0.0)
    one = design.null_summary(design.null_frame([record(0, [CLEAR, NONE])]))
    assert one.rate_clear == 0.5 and math.isnan(one.se_clear)  # one survey says nothing of the spread
    with pytest.raises(ValueError, match="no null finding"):
        design.null_summary(design.null_frame([record(0, [nl.NOT_ESTIMABLE])]))


def test_surveys_of_unequal_size_weigh_by_their_findings():
    s = design.null_summary(design.null_frame([record(0, [CLEAR]), record(1, [NONE, NONE, NONE])]))
    assert s.rate_clear == pytest.approx(1 / 4)  # 1 of 4 findings, not the mean of 1 and 0
    # ratio estimator: residuals 1 - 0.25 and 0 - 0.75; sqrt(2 * 1.125) / 4
    assert s.se_clear == pytest.approx(math.sqrt(2 * (0.75**2 + 0.75**2)) / 4)


def test_wilson_interval_of_no_survey_with_a_clear_finding():
    s = design.null_summary(design.null_frame([record(r, [NONE, HINT]) for r in range(20)]))
    z2 = 1.959963984540054**2
    assert s.share_clear_interval == pytest.approx((0.0, z2 / (20 + z2)))


def test_the_null_study_covers_every_worded_finding_of_the_outcome_and_joint_models():
    assert set(design.NULL_MODELS) == {n for n in specs.SPECS if n != "awareness"}
    assert {"workload_joint", "isolation_joint", "complaints_joint"} <= set(design.NULL_MODELS)
    chosen = design.null_findings(design.NULL_MODELS)
    assert {e.id for e in estimands.CONTRASTS} <= {e.id for e in chosen}
    assert {e.id for e in estimands.MARGINAL} <= {e.id for e in chosen}  # worded on their own, counted on their own
    assert all(e.kind in ("slope", "contrast", "marginal") and e.direction is not None for e in chosen)
    job = design.null_job(design.NULL_MODELS, 3, seed=1)
    assert set(job.stamp) == set(design.NULL_MODELS)
    assert all(v["data_hash"] == many.GENERATOR for v in job.stamp.values())
    assert job.key != design.null_job(design.NULL_MODELS[:-1], 3, seed=1).key


def shipped_context() -> SimpleNamespace:
    survey = workflow.load_valid_survey(SHIPPED)
    adapted = [workflow.adapt(s, survey) for s in workflow.resolve_specs(["all"])]
    chosen = {a.name: a.spec for a in adapted if a.spec is not None}
    provenance = {n: {"data_hash": workflow.inputs_hash(workflow.inputs_for(s, survey))} for n, s in chosen.items()}
    return SimpleNamespace(specs=chosen, provenance=provenance, data_dir=SHIPPED, fits_dir=REPO_ROOT / "data" / "fits",
                           seed=workflow.DEFAULT_SEED, establishments=survey.establishments)  # fmt: skip


def test_appendix_a_shows_the_study_only_for_its_models_and_size(tmp_path: Path):
    ctx = shipped_context()
    absent, header, text = design.null_for_report(ctx, tmp_path / "null.csv")
    assert absent is None and header == {} and "niet op deze gegevens uitgevoerd" in text
    assert f"‘{design.NULL_COMMAND}" in text
    frame = design.null_frame([record(0, [CLEAR, CLEAR, NONE, NONE]), record(1, [NONE, NONE, OPPOSITE, HINT])])
    job = design.null_job([ctx.specs[m] for m in design.NULL_MODELS], 2, seed=1, n_establishments=206)
    meta = {"replicates": 2, "establishments": len(ctx.establishments), "stamp": job.stamp, "seed": 1}
    path = design.null_write(frame, tmp_path / "null.csv", meta)
    rows, read_header = design.null_read(path)
    assert read_header == meta and rows.shape == frame.shape
    summary, header, text = design.null_for_report(ctx, path)
    assert summary is not None and text == "" and summary.rate_clear == pytest.approx(0.25)
    sentence = design.null_sentence(summary, header, report_findings=40, report_clear=3)
    # two surveys leave a wide margin (standard error 25,0%): 25% per finding is still within it
    assert "25,0%" in sentence and "12,5%" in sentence and "binnen de marge van de beoogde 2,5%" in sentence
    assert "naar verwachting 10,0 (dit rapport noemt er 3" in sentence
    assert "noemde één van de twee enquêtes (50%" in sentence
    # another size of survey, or another spec: not these data, and the command that runs it
    design.null_write(frame, path, meta | {"establishments": 40})
    assert design.null_for_report(ctx, path)[0] is None
    other = {n: v | {"spec_hash": "x"} for n, v in job.stamp.items()}
    design.null_write(frame, path, meta | {"stamp": other})
    summary, _, text = design.null_for_report(ctx, path)
    assert summary is None and "thuiswerk null --replicates 2" in text


def test_the_sentence_says_whether_the_rule_keeps_its_rate():
    frame = design.null_frame([record(r, [CLEAR if r == 0 and i == 0 else NONE for i in range(40)]) for r in range(20)])
    text = design.null_sentence(design.null_summary(frame), {"establishments": 206}, 42, 5)
    assert "binnen de marge van de beoogde 2,5%" in text and "0,1%" in text and "noemde één van de 20" in text
    # every survey with one clear finding in ten: 10% per finding, its error 0, above the rule's rate
    frame = design.null_frame([record(r, [CLEAR] + [NONE] * 9) for r in range(20)])
    text = design.null_sentence(design.null_summary(frame), {"establishments": 206}, 42, 5)
    assert "boven de beoogde 2,5%" in text and "noemden alle 20 enquêtes (100%" in text
    assert "naar verwachting 4,2 (dit rapport noemt er 5" in text
    assert "naar verwachting 1,1 verbanden" in design.null_expected_nl(42)


def test_the_null_command_runs_the_job_and_writes_the_stamped_file(tmp_path: Path, monkeypatch):
    seen = {}

    def fake_run(job, root, seed, scheduler=None, workers=None, **kw):
        seen.update(job=job, root=root, seed=seed, workers=workers)
        records = {many.task_name(t): record(t, [CLEAR if t == 0 else NONE, NONE]) for t in job.tasks}
        return many.Outcome(records, len(job.tasks), 0, {}, 1.0, Path(root))

    monkeypatch.setattr(many, "run", fake_run)
    out = tmp_path / "null.csv"
    result = CliRunner().invoke(app, ["null", "--replicates", "3", "--establishments", "40", "--workers", "1",
                                      "--results", str(tmp_path / "r"), "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    job = seen["job"]
    assert job.kind == "null" and job.tasks == [0, 1, 2] and job.config["establishments"] == 40
    assert set(job.config["models"]) == set(design.NULL_MODELS) and seen["workers"] == 1
    rows, header = design.null_read(out)
    assert len(rows) == 6 and header["replicates"] == 3 and header["establishments"] == 40
    assert header["job"] == job.key and set(header["stamp"]) == set(design.NULL_MODELS)
    assert "Surveys with at least one 'duidelijk': 1 of 3" in " ".join(result.output.split())
    assert pd.read_csv(out, comment="#").columns.tolist() == design.NULL_COLUMNS


def test_a_null_replicate_words_every_finding_it_covers(monkeypatch):
    """null_replicate end to end on a small null survey, the sampler replaced by prior draws: every slope, contrast
    and marginal finding gets a number (a marginal effect needs the fit's design, which nutpie's trees lack)."""
    import pymc as pm

    from thuiswerk.modelling import fit as fitting

    def prior_as_posterior(model, y, settings, seed):
        prior = pm.sample_prior_predictive(draws=20, model=model, random_seed=seed)
        return xr.DataTree.from_dict(
            {
                "posterior": prior["prior"].to_dataset().expand_dims("chain")
                if "chain" not in prior["prior"].dims
                else prior["prior"].to_dataset()
            }
        )

    monkeypatch.setattr(fitting, "compile_swappable", lambda model: model)
    monkeypatch.setattr(fitting, "sample_compiled", prior_as_posterior)
    payload = design.NullPayload(tuple(specs.get(m) for m in design.NULL_MODELS), 60, design.NULL_SETTINGS)
    record = design.null_replicate(payload, 0, seed=11)
    rows = pd.DataFrame(record["findings"])
    assert set(rows["id"]) == {e.id for e in design.null_findings(design.NULL_MODELS)}
    assert rows["mean"].notna().all(), rows[rows["mean"].isna()].to_string()
    assert set(rows["kind"]) == {"slope", "contrast", "marginal"}
