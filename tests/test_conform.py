"""Conformance of implementations: the adapter API, verdicts, shrinking, replay, errors, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.conform.adapter import Adapter, AdapterError, Rejected, action, coerce, load_adapter
from checker.cli.main import main
from checker.conform.run import ACCEPTED, CRASH, REFUSED, STATE, ConformOptions, Conformance, assert_conforms, conform, replay_trace
from checker.conform.report import mismatch_document
from checker.conform.determinism import DeterminismOptions, check_determinism
from spec import values as V
from spec.loader import load_text

BANK = """model Bank
const USERS = {alice, bob}
const CAP = 3
var balance: map[USERS, 0..CAP]
var frozen: bool
init {
  balance = {u: 1 for u in USERS}
  frozen = false
}
action Deposit(u: USERS) { require not frozen and balance[u] < CAP  balance[u] = balance[u] + 1 }
action Withdraw(u: USERS) { require not frozen and balance[u] > 0  balance[u] = balance[u] - 1 }
action Freeze { require not frozen  frozen = true }
"""


class Bank:
    """The implementation under test: a plain class."""

    def __init__(self, users, cap):
        self.balance = {u: 1 for u in users}
        self.cap = cap
        self.frozen = False

    def deposit(self, user):
        if self.frozen or self.balance[user] >= self.cap:
            raise ValueError("refused")
        self.balance[user] += 1

    def withdraw(self, user):
        if self.frozen or self.balance[user] <= 0:
            raise ValueError("refused")
        self.balance[user] -= 1

    def freeze(self):
        if self.frozen:
            raise ValueError("refused")
        self.frozen = True


class BankAdapter(Adapter):
    rejects = (ValueError,)
    bank_class = Bank

    def setup(self, constants):
        self.bank = self.bank_class(constants["USERS"], constants["CAP"])

    def deposit(self, u):              # snake_case of Deposit
        self.bank.deposit(u)

    @action("Withdraw")
    def take_out(self, u):             # marked
        self.bank.withdraw(u)

    def Freeze(self):                  # the action's own name
        self.bank.freeze()

    def observe(self):
        return {"balance": dict(self.bank.balance), "frozen": self.bank.frozen}


class Overdraft(Bank):
    def withdraw(self, user):          # a missing guard: the balance goes negative
        if self.frozen:
            raise ValueError("refused")
        self.balance[user] -= 1


class StuckAtTwo(Bank):
    def deposit(self, user):           # refuses what the model allows
        if self.frozen or self.balance[user] >= 2:
            raise ValueError("refused")
        self.balance[user] += 1


class CrashOnFreeze(Bank):
    def freeze(self):
        raise KeyError("frozen_accounts")


class NoisyRefusal(Bank):
    def deposit(self, user):           # refuses, but only after changing the state
        self.balance[user] = min(self.balance[user] + 1, self.cap)
        if self.frozen:
            raise ValueError("refused")


def adapter_for(impl):
    return type(f"{impl.__name__}Adapter", (BankAdapter,), {"bank_class": impl})


@pytest.fixture(scope="module")
def bank():
    return load_text(BANK, "bank.sync")


def run_conform(model, cls, runs=100, steps=20, seed=0):
    return Conformance(model, cls, ConformOptions(runs=runs, steps=steps, seed=seed)).run()


# ---- verdicts ----------------------------------------------------------------------------------

def test_a_conforming_implementation_passes(bank):
    r = run_conform(bank, BankAdapter)
    assert r.ok and r.exit_code == 0
    assert r.runs == 100 and r.steps > 0 and r.probes > 0 and r.refusals == r.probes
    assert r.observed == ["balance", "frozen"]
    assert set(r.actions) == {"Deposit", "Withdraw", "Freeze"} and all(r.actions.values())


def test_a_missing_guard_is_caught_with_a_minimal_trace(bank):
    r = run_conform(bank, adapter_for(Overdraft))
    m = r.mismatch
    assert m.kind == ACCEPTED and m.action == "Withdraw"
    assert m.trace.length == 2  # withdraw the one unit, then withdraw again
    assert [s.action for s in m.trace.steps[1:]] == ["Withdraw"] and m.trace.error_step.action == "Withdraw"
    where, expected, observed = m.diffs[0]
    assert where.startswith("balance[") and expected == 0 and observed == -1


def test_a_refusal_of_an_allowed_step_is_caught(bank):
    m = run_conform(bank, adapter_for(StuckAtTwo)).mismatch
    assert m.kind == REFUSED and m.action == "Deposit" and m.trace.length == 2
    assert "refused Deposit" in m.message and "ValueError" in m.message


def test_an_exception_is_a_crash_with_where_it_was_raised(bank):
    m = run_conform(bank, adapter_for(CrashOnFreeze)).mismatch
    assert m.kind == CRASH and m.action == "Freeze" and m.trace.length == 1
    assert "KeyError" in m.message and "test_conform.py" in m.message


def test_a_refusal_must_leave_the_state_alone(bank):
    m = run_conform(bank, adapter_for(NoisyRefusal)).mismatch
    assert m.kind in (STATE, ACCEPTED)
    assert m.trace.length <= 3  # deposit up to the cap, freeze, deposit


def test_partial_and_nondeterministic_models_are_followed_as_sets():
    """The model picks a value the implementation may choose freely; the adapter does not observe
    the model's ghost counter. Both are fine."""
    model = load_text("""model Lottery
var winner: 0..3
var draws: 0..9
init { winner = 0  draws = 0 }
action Draw {
  require draws < 9
  choose w in {1, 2, 3}
  winner = w
  draws = draws + 1
}
""", "lottery.sync")

    class Lottery(Adapter):
        def setup(self, constants):
            self.winner, self.n = 0, 0

        def Draw(self):
            if self.n >= 9:
                raise Rejected()
            self.n += 1
            self.winner = (self.n * 7) % 3 + 1

        def observe(self):
            return {"winner": self.winner}

    r = run_conform(model, Lottery, runs=30)
    assert r.ok, r.mismatch
    assert any("not observed: draws" in w for w in r.warnings)


def test_same_seed_same_outcome(bank):
    a = run_conform(bank, adapter_for(Overdraft), seed=5)
    b = run_conform(bank, adapter_for(Overdraft), seed=5)
    assert (a.runs, a.steps, a.mismatch.step, a.mismatch.trace.length) == \
        (b.runs, b.steps, b.mismatch.step, b.mismatch.trace.length)


# ---- the Python API inside pytest ------------------------------------------------------------------

def test_assert_conforms_fails_the_test_with_the_report(bank):
    assert_conforms(bank, BankAdapter, runs=20)
    with pytest.raises(AssertionError) as info:
        assert_conforms(bank, adapter_for(Overdraft), runs=50)
    text = str(info.value)
    assert "MISMATCH" in text and "balance[" in text and "expected (model)" in text


def test_conform_accepts_a_path_and_constants(tmp_path):
    path = tmp_path / "bank.sync"
    path.write_text(BANK)
    r = conform(path, BankAdapter, runs=10, consts=["CAP=2"])
    assert r.ok and r.constants["CAP"] == 2


# ---- replay: traces as regression tests --------------------------------------------------------------

def test_a_mismatch_trace_replays_against_the_fixed_implementation(bank):
    m = run_conform(bank, adapter_for(Overdraft)).mismatch
    doc = json.loads(json.dumps(mismatch_document(m, "bank.sync", "x:y")))
    assert doc["#meta"]["failing-step"]["action"] == "Withdraw"
    assert replay_trace(doc, bank, BankAdapter).ok
    again = replay_trace(doc, bank, adapter_for(Overdraft))
    assert again.mismatch.kind == ACCEPTED and again.mismatch.step == 2


def test_replay_steps_the_model_does_not_allow_must_be_refused(bank):
    doc = {"vars": ["balance", "frozen"], "#meta": {"kind": "invariant"},
           "states": [{"#meta": {"index": 0}},
                      {"#meta": {"index": 1, "action": "Freeze", "parameters": {}}},
                      {"#meta": {"index": 2, "action": "Deposit", "parameters": {"u": "alice"}}}]}
    assert replay_trace(doc, bank, BankAdapter).ok          # Deposit after Freeze is refused, as it must be
    bad = replay_trace(doc, bank, adapter_for(NoisyRefusal))
    assert bad.mismatch.step == 2


# ---- adapter errors: exit 2 and a message, never a traceback -------------------------------------------

ADAPTERS = '''
from checker.conform.adapter import Adapter, action

class Good(Adapter):
    def setup(self, constants): self.b = {"alice": 1, "bob": 1}; self.f = False
    def deposit(self, u): self.b[u] += 1
    def withdraw(self, u): self.b[u] -= 1
    def freeze(self): self.f = True
    def observe(self): return {"balance": dict(self.b), "frozen": self.f}

class MissingAction(Adapter):
    def deposit(self, u): pass
    def observe(self): return {}

class WrongParameter(Good):
    def deposit(self, user): pass

class UnknownVariable(Good):
    def observe(self): return {"balances": dict(self.b)}

class WrongTypes(Good):
    def observe(self): return {"balance": [1, 1], "frozen": "no"}

class MissingKey(Good):
    def observe(self): return {"balance": {"alice": 1}}

class LaterWrongType(Good):
    def observe(self): return {"balance": {k: str(v) if v > 1 else v for k, v in self.b.items()}}

class NotAnAdapter:
    pass
'''


@pytest.fixture()
def adapters(tmp_path, monkeypatch):
    (tmp_path / "bank.sync").write_text(BANK)
    (tmp_path / "bank_adapters.py").write_text(ADAPTERS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def conform_cli(capsys, *args):
    try:
        code = main(["conform", "bank.sync", *args, "--runs", "20", "--seed", "1"])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, " ".join(err.split())  # the console wraps long lines


@pytest.mark.parametrize("cls, code, words", [
    ("MissingAction", "E702", ["has no method for 2 actions", "Withdraw, Freeze", "def Withdraw(self, u)"]),
    ("WrongParameter", "E702", ["cannot perform Deposit(u)", "no parameter 'u'"]),
    ("UnknownVariable", "E703", ["'balances' is not a variable of Bank", "did you mean 'balance'?"]),
    ("WrongTypes", "E703", ["balance: expected a dict", "frozen: expected true or false, got str 'no'"]),
    ("MissingKey", "E703", ["no value for bob"]),
    ("LaterWrongType", "E703", ["after step", "expected an integer, got str '2'"]),
    ("NotAnAdapter", "E701", ["not a subclass of checker.conform.adapter.Adapter"]),
    ("Nope", "E701", ["has no attribute 'Nope'"]),
])
def test_adapter_errors_exit_2_with_a_clear_message(adapters, capsys, cls, code, words):
    status, _, err = conform_cli(capsys, "--impl", f"bank_adapters:{cls}")
    assert status == 2
    assert f"error[{code}]" in err
    for w in words:
        assert w in err, err


def test_module_errors_exit_2(adapters, capsys):
    status, _, err = conform_cli(capsys, "--impl", "no_such_module:X")
    assert status == 2 and "no module named 'no_such_module'" in err
    (adapters / "broken_import.py").write_text("import not_installed_anywhere\n")
    status, _, err = conform_cli(capsys, "--impl", "broken_import:X")
    assert status == 2 and "importing broken_import failed: it raised ModuleNotFoundError" in err and "broken_import.py:1" in err
    status, _, err = conform_cli(capsys, "--impl", "bank_adapters")
    assert status == 2 and "expected MODULE:CLASS" in err


def test_the_cli_runs_from_the_current_directory(adapters, capsys):
    status, out, _ = conform_cli(capsys, "--impl", "bank_adapters:Good")
    assert status == 1  # Good has no guards at all: the first probe is accepted
    assert "MISMATCH" in out and "regression test: syncproof conform bank.sync" in out
    written = list((adapters / "counterexamples" / "conformance").glob("bank.Good.conformance.itf.json"))
    assert written
    status, out, _ = conform_cli(capsys, "--impl", "bank_adapters:Good", "--replay", str(written[0]), "--json")
    data = json.loads(out)
    assert status == 1 and data["verdict"] == "mismatch" and data["mode"] == "replay"


def test_coerce_reads_ordinary_python_values():
    from decimal import Decimal
    from spec.types import IntType, MapType, ModelValueType, OptionType, SetType
    users = ModelValueType("USERS", ("alice", "bob"))
    assert coerce(MapType(users, IntType(0, 3)), {"bob": Decimal("2"), "alice": 1}, "m") == \
        V.MapVal([(V.Sym("alice"), 1), (V.Sym("bob"), 2)])
    assert coerce(OptionType(users), None, "o") is V.NONE
    assert coerce(OptionType(users), "bob", "o") == V.Some(V.Sym("bob"))
    assert coerce(SetType(users), {"bob", "alice"}, "s") == V.SetVal([V.Sym("alice"), V.Sym("bob")])
    assert coerce(IntType(0, 3), 2.5, "x") == 2.5        # a rounding bug is a mismatch, not an adapter error
    with pytest.raises(Exception, match="expected an integer"):
        coerce(IntType(0, 3), "2", "x")


def test_load_adapter_rejects_a_spec_without_a_class():
    with pytest.raises(AdapterError) as info:
        load_adapter("checker.conform.adapter")
    assert info.value.codes == ["E701"]


# ---- determinism -----------------------------------------------------------------------------------

IMPLS = '''
from checker.conform.adapter import Adapter

class Ordered(Adapter):
    def setup(self, constants):
        self.b = {u: 1 for u in constants["USERS"]}; self.f = False; self.first = None
    def deposit(self, u): self.b[u] += 1
    def withdraw(self, u): self.b[u] -= 1
    def freeze(self):
        self.f = True
    def observe(self): return {"balance": dict(self.b), "frozen": self.f}

class HashOrder(Ordered):
    def freeze(self):
        self.f = True
        richest = max(self.b.values())
        winner = next(u for u in set(self.b) if self.b[u] == richest)   # ties broken by set order
        self.b[winner] -= 1          # a freezing fee, charged to "the" richest account

class Leaky(Ordered):
    deposits = []                    # class-level: a log shared by every run in the process
    def deposit(self, u):
        self.deposits.append(u)      # the balance is recomputed from a log that is never reset
        self.b[u] = min(3, 1 + self.deposits.count(u))
'''


@pytest.fixture()
def impls(tmp_path, monkeypatch):
    (tmp_path / "bank_impls.py").write_text(IMPLS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def determinism(model, name, **kw):
    cls = load_adapter(f"bank_impls:{name}")
    opts = DeterminismOptions(**{"runs": 10, "steps": 8, "seed": 0, "processes": 3, **kw})
    return check_determinism(model, cls, f"bank_impls:{name}", [str(Path.cwd())], opts)


def test_determinism_passes_for_a_deterministic_implementation(bank, impls):
    r = determinism(bank, "Ordered", runs=6)
    assert r.ok and len(r.hash_seeds) == 6  # 3 processes for every 5 sequences


def test_determinism_catches_set_iteration_order(bank, impls):
    r = determinism(bank, "HashOrder", runs=20)
    d = r.divergence
    assert d is not None and d.kind == "hash-seed" and d.action == "Freeze"
    assert d.trace.length == d.step == 1          # shrunk: freeze at once, both accounts tie
    assert any(where.startswith("balance[") for where, _ in d.diffs)
    assert all(label.startswith("PYTHONHASHSEED=") for label, *_ in d.outcomes)


def test_determinism_catches_state_leaking_between_runs(bank, impls):
    d = determinism(bank, "Leaky", runs=4).divergence
    assert d is not None and d.kind == "repeat" and "leaks" in d.message


def test_determinism_cli(bank, impls, capsys):
    (impls / "bank.sync").write_text(BANK)
    try:
        code = main(["conform", "bank.sync", "--impl", "bank_impls:HashOrder", "--determinism", "--runs", "20",
                     "--steps", "8", "--seed", "0", "--json", "--out", str(impls / "out")])
    except SystemExit as exit_:
        code = exit_.code
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["verdict"] == "divergent" and data["divergence"]["action"] == "Freeze"
    doc = json.loads(Path(data["trace"]).read_text())
    assert len(doc["#meta"]["hash_seeds"]) == 4
