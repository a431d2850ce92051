"""The partitioned search on a real local Ray cluster: the same result as one process.

Skipped, loudly, when Ray is not installed (`pip install 'syncproof[ray]'`; CI installs it).
One Ray instance (2 CPUs) serves the whole module: starting Ray takes seconds.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings

from checker.cli.main import main
from checker.core.limits import Interrupted
from checker.core.result import Verdict
from checker.engines.explicit import checkpoint, raygroup
from checker.engines.explicit.search import ExplicitOptions, check
from engine_helpers import EXHAUSTIVE, MODELS, checked_model, model_file, model_of, result_summary
from spec.loader import load
from test_engine_differential import random_model

ray = pytest.importorskip("ray", reason="RAY IS NOT INSTALLED: the Ray cluster tests did NOT run "
                                        "(pip install 'syncproof[ray]')")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _agree(m, workers=2, **options):
    one = check(m, ExplicitOptions(workers=1, **options))
    on_ray = check(m, ExplicitOptions(workers=workers, cluster="local", **options))
    assert result_summary(on_ray) == result_summary(one)
    assert on_ray.stats.search.cluster == "ray" and on_ray.stats.search.machines == 1
    assert on_ray.stats.workers == workers
    return on_ray


GRID = """model Grid
var x: 0..9
var y: 0..9
init { x = 0  y = 0 }
action Right { require x < 9  x = x + 1 }
action Up { require y < 9  y = y + 1 }
action Boom { require x == 7 and y == 7  assert x != y, "boom" }
invariant Diagonal: not (x == 3 and y == 3)
invariant Far: x + y < 11
"""


def test_same_violations_and_traces_as_one_process():
    r = _agree(model_of(GRID), stop_at_first=False)
    assert {p.name: p.trace.length for p in r.violated} == {"Diagonal": 6, "Far": 11, "runtime": 15, "deadlock": 18}
    assert r.stats.search.shipped_bytes > 0


@pytest.mark.slow   # 10-30 s of Ray scheduling on two busy cores; the default run keeps one of each kind
def test_shipped_models_agree():
    r = _agree(model_file("two_phase_commit_broken.sync", ["RM=4"]), symmetry=False)
    assert [p.name for p in r.violated] == ["Consistent"]
    r = _agree(model_file("two_phase_commit.sync", ["RM=4"]), workers=3, symmetry=True,
               invariants=("Consistent", "TypeOK"))
    assert r.verdict is Verdict.HOLDS


@pytest.mark.slow   # 10-30 s of Ray scheduling on two busy cores; the default run keeps one of each kind
def test_state_limit_is_exact_on_ray():
    r = _agree(model_file("two_phase_commit.sync", ["RM=4"]), symmetry=False, max_states=300)
    assert r.stats.distinct_states == 300 and r.verdict is Verdict.INCONCLUSIVE


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_model())
def test_random_models_agree_on_ray(text):
    m = checked_model(text)
    if m is None:
        return
    _agree(m, deadlock=False, stop_at_first=False)


def test_a_killed_worker_is_detected(monkeypatch):
    """A Ray actor killed in the middle of a run: the result is inconclusive, never a count."""
    calls = []
    get = raygroup.RayGroup._get

    def killing(self, refs):
        calls.append(1)
        if len(calls) == 8:   # seed, node ids, then within the second level
            ray.kill(self.actors[1])
        return get(self, refs)

    monkeypatch.setattr(raygroup.RayGroup, "_get", killing)
    r = check(model_file("two_phase_commit.sync", ["RM=4"]), ExplicitOptions(workers=2, cluster="local",
                                                                              symmetry=False))
    assert r.verdict is Verdict.INCONCLUSIVE
    assert "a Ray worker died" in r.reason and "the search stopped" in r.reason


def test_cli_on_ray_reports_workers_machines_and_bytes(tmp_path, capsys):
    code = main(["check", str(MODELS / "two_phase_commit.sync"), "--const", "RM=3",
                 "--cluster", "ray", "--workers", "2", "--no-symmetry", "--json", "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["verdict"] == "holds"
    s = out["stats"]
    assert (s["distinct_states"], s["workers"], s["cluster"], s["machines"]) == (288, 2, "ray", 1)
    assert s["bytes_shipped_per_state"] > 0


@pytest.mark.slow   # 10-30 s of Ray scheduling on two busy cores; the default run keeps one of each kind
def test_a_run_on_ray_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    """Stopped after the checkpoint of level 6, resumed on Ray: the uninterrupted result."""
    m = model_file("two_phase_commit_broken.sync", ["RM=4"])
    opts = dict(workers=2, symmetry=False, stop_at_first=False)
    want = check(m, ExplicitOptions(**opts))
    write = checkpoint.write

    def stopping(root, depth, meta, parts):
        write(root, depth, meta, parts)
        if depth == 6:
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(checkpoint, "write", stopping)
        with pytest.raises(Interrupted):
            check(m, ExplicitOptions(cluster="local", checkpoint=str(tmp_path), checkpoint_every=0, **opts))
    got = check(m, ExplicitOptions(cluster="local", resume=str(tmp_path), **opts))
    assert result_summary(got) == result_summary(want)


# (and `kernel`: the partitions run the generated code, one process the level kernel where it can)
CLOCK_AND_WORKERS = ("seconds", "states_per_second", "graph_seconds", "workers", "cluster", "machines",
                     "bytes_shipped_per_state", "trace_store_bytes", "kernel")


def _json_of(capsys, args):
    code = main(args)
    data = json.loads(capsys.readouterr().out)
    for key in CLOCK_AND_WORKERS:
        data["stats"].pop(key)
    return code, data


def _assert_same_run(tmp_path, got, want) -> None:
    """(exit code, JSON) of a run that wrote its traces to tmp_path/b equal those of one that wrote
    them to tmp_path/a, and so are the trace files."""
    code, data = got
    data["trace"] = data["trace"] and data["trace"].replace("/b/", "/a/")
    for p in data["properties"]:
        p["trace"] = p["trace"] and p["trace"].replace("/b/", "/a/")
    assert (code, data) == want
    for f in (tmp_path / "a").glob("*.itf.json"):
        assert f.read_text() == (tmp_path / "b" / f.name).read_text()


def _explicit_by_default(path) -> None:
    """Skips a model that `check` gives to the symbolic engines (--cluster does not apply), before
    any engine runs: such models are the ones whose symbolic runs take minutes."""
    from checker.engines.registry import resolve
    if resolve("auto", load(path)) != "explicit":
        pytest.skip("not enumerable: the symbolic engines check it, --cluster does not apply")


@pytest.mark.slow
@EXHAUSTIVE
@pytest.mark.parametrize("path", sorted(MODELS.glob("*.sync")), ids=lambda p: p.stem)
def test_every_shipped_model_gives_the_same_json_on_ray(capsys, tmp_path, path):
    """Issue 14's bar: `--cluster ray` gives the single-process JSON apart from timing and worker fields."""
    _explicit_by_default(path)
    code, alone = _json_of(capsys, ["check", str(path), "--json", "--continue", "--out", str(tmp_path / "a")])
    assert alone["engine"] == "explicit"
    ray_code, on_ray = _json_of(capsys, ["check", str(path), "--json", "--continue", "--cluster", "ray",
                                         "--workers", "2", "--out", str(tmp_path / "b")])
    _assert_same_run(tmp_path, (ray_code, on_ray), (code, alone))


def test_a_killed_actor_with_checkpoints_resumes_to_the_same_result(tmp_path, monkeypatch):
    calls = []
    get = raygroup.RayGroup._get

    def killing_once(self, refs):
        calls.append(1)
        if len(calls) == 12:   # once, within a later level
            ray.kill(self.actors[0])
        return get(self, refs)

    m = model_file("two_phase_commit_broken.sync", ["RM=4"])
    opts = dict(workers=2, symmetry=False, stop_at_first=False)
    want = check(m, ExplicitOptions(**opts))
    monkeypatch.setattr(raygroup.RayGroup, "_get", killing_once)
    got = check(m, ExplicitOptions(cluster="local", checkpoint=str(tmp_path), checkpoint_every=0, **opts))
    assert len(calls) > 12 and result_summary(got) == result_summary(want)
    assert any("a Ray worker died" in w and "resumed from its last checkpoint" in w for w in got.warnings)


# one of each kind of shipped model (about 30 s each on two busy cores: every model would take half
# an hour): violations and traces, holding invariants, temporal properties under fairness,
# refinement with the abstract model's fairness, symmetry sets, channels
RESUMED = ["two_phase_commit_broken", "two_phase_commit_refines", "options_ledger", "options_ledger_refines_broken",
           "gossip_replicas", "rollup_sequencer_broken", "bridge_finality_broken_early", "state_channel"]


@pytest.mark.slow
@pytest.mark.parametrize("path", [MODELS / f"{n}.sync" for n in RESUMED], ids=lambda p: p.stem)
def test_shipped_models_killed_and_resumed_on_ray_give_the_same_json(capsys, tmp_path, monkeypatch, path):
    """Issue 14's bar, second half: a run on Ray stopped right after the checkpoint of a level drawn
    at random (seeded by the model's name) and resumed on Ray gives the single-process JSON and traces."""
    _explicit_by_default(path)
    code, alone = _json_of(capsys, ["check", str(path), "--json", "--continue", "--no-symmetry",
                                    "--out", str(tmp_path / "a")])
    assert alone["engine"] == "explicit"
    depth = alone["stats"]["depth"]
    if depth < 2:
        pytest.skip(f"a search {depth} level(s) deep has no level to stop after")
    stop_after = random.Random(path.stem).randrange(1, depth)   # checkpoints are written after levels 1, 2, ...
    write, written = checkpoint.write, []

    def stopping(root, level, meta, parts):
        write(root, level, meta, parts)
        written.append(level)
        if level == stop_after:
            raise KeyboardInterrupt

    ckpt = str(tmp_path / "ckpt")
    ray_args = ["--json", "--continue", "--no-symmetry", "--cluster", "ray", "--workers", "2",
                "--out", str(tmp_path / "b")]
    with monkeypatch.context() as patch:
        patch.setattr(checkpoint, "write", stopping)
        stopped = main(["check", str(path), *ray_args, "--checkpoint", ckpt, "--checkpoint-every", "0"])
    capsys.readouterr()
    assert stopped == 130 and written[-1] == stop_after, (stopped, written)
    resumed_code, resumed = _json_of(capsys, ["check", str(path), *ray_args, "--resume", ckpt])
    _assert_same_run(tmp_path, (resumed_code, resumed), (code, alone))
