"""The partitioned search on Ray: each partition a Ray actor, on any machine of a cluster.

The same calls as `LocalGroup` (`checker.engines.explicit.partition`), with
one difference that matters at scale: the batches a partition sends to the
others are separate Ray objects (`expand` has one return value per
partition), and the driver hands their references to the owners' `receive`,
so successor batches go from machine to machine through Ray's object store,
never through the driver.

Ray is an optional dependency (`pip install 'syncproof[ray]'`): it is imported
only when a cluster is asked for, and its absence (or a cluster that cannot
be reached) is error E530 with what to do, not a traceback.

`address`: "local" starts a Ray instance on this machine with its cores (or
joins the one this process already has); "auto" joins the cluster this
machine is part of; "ray://HOST:PORT" joins a remote cluster through Ray
Client.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from spec import ir
from spec.diagnostics import Diagnostic, SpecError

from checker.engines.explicit.compiled import CompiledModel
from checker.engines.explicit.partition import Partition, WorkerDied
from checker.engines.explicit.symmetry import Canonicalizer

INSTALL = "pip install 'syncproof[ray]'"
POLL_SECONDS = 0.05


def unavailable(message: str, help: str) -> SpecError:
    """Ray is not installed, or the cluster cannot be reached: the user's environment, not a bug."""
    return SpecError(Diagnostic("E530", message, None, help))


def load_ray():
    """The `ray` module, or error E530 saying how to install it."""
    try:
        import ray  # optional dependency: only a cluster run needs it
    except ImportError as exc:
        raise unavailable(f"--cluster needs Ray, which cannot be imported ({exc})",
                          f"install it with: {INSTALL}") from None
    return ray


class PartitionActor:
    """A Partition in a Ray actor: compiles the model where it runs; its trace store spills to a
    temporary directory of its own machine, removed by `close`."""

    def __init__(self, model: ir.CheckedModel, symmetry: bool, index: int, count: int, exact: bool, chunk: int,
                 kernel_from: int | None = None):
        cm = CompiledModel(model)
        canon = Canonicalizer(model, model.symmetric).canon if symmetry and model.symmetric else None
        self.directory = tempfile.mkdtemp(prefix="syncproof-ray-traces-")
        self.part = Partition(cm, canon, index, count, exact, chunk, self.directory, kernel_from)
        self.count = count

    def node(self) -> str:
        return load_ray().get_runtime_context().get_node_id()

    def seed(self, states, fps, gidx):
        return self.part.seed(states, fps, gidx)

    def expand(self):
        """(report, batch for partition 0, ..., batch for partition n-1): n + 1 Ray objects."""
        report, batches = self.part.expand()
        return (report, *batches)

    def receive(self, stride: int, *batches: bytes):
        return self.part.receive(list(batches), stride)

    def admit(self, keys, room):
        return self.part.admit(keys, room)

    def save(self, directory: str) -> None:
        return self.part.save(directory)

    def load(self, directory: str) -> None:
        return self.part.load(directory)

    def lookup(self, depth: int, index: int):
        return self.part.lookup(depth, index)

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class RayGroup:
    """`count` partitions as Ray actors; see the module's doc. `machines` is the number of Ray nodes
    the actors run on."""

    def __init__(self, count: int, model: ir.CheckedModel, symmetry: bool, exact: bool, chunk: int,
                 address: str = "local", waiting=None, kernel_from: int | None = None):
        ray = self.ray = load_ray()
        self.count = count
        self.waiting = waiting
        self.started = False
        if not ray.is_initialized():
            try:
                if address == "local":
                    ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, log_to_driver=False,
                             configure_logging=False)
                else:
                    ray.init(address=address, log_to_driver=False, configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise unavailable(f"cannot reach the Ray cluster at {address}: {exc}",
                                  "start one with `ray start --head`, or use --cluster ray for this machine "
                                  "alone") from None
            self.started = True
        cpus = ray.cluster_resources().get("CPU", 1.0)
        actor = ray.remote(num_cpus=min(1.0, cpus / count), max_restarts=0)(PartitionActor)
        self.actors = [actor.remote(model, symmetry, i, count, exact, chunk, kernel_from) for i in range(count)]
        self.machines = len(set(self._get([a.node.remote() for a in self.actors])))

    def call(self, method: str, args: list[tuple]) -> list:
        """Every partition's answer to `method(*args[i])`, in partition order. `expand` answers
        (report, [references to its batches]); `receive` takes those references."""
        if method == "expand":
            refs = [a.expand.options(num_returns=self.count + 1).remote() for a in self.actors]
            reports = self._get([r[0] for r in refs])
            return [(report, list(r[1:])) for report, r in zip(reports, refs)]
        if method == "receive":
            return self._get([a.receive.remote(stride, *batches) for a, (batches, stride) in zip(self.actors, args)])
        return self._get([getattr(a, method).remote(*x) for a, x in zip(self.actors, args)])

    def _get(self, refs: list):
        """ray.get, with the driver's budget polled meanwhile; a dead actor is WorkerDied."""
        ray = self.ray
        pending = list(refs)
        while pending:
            _, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_SECONDS)
            if pending and self.waiting is not None:
                self.waiting()
        try:
            return ray.get(refs)
        except ray.exceptions.RayActorError as exc:
            raise WorkerDied(f"a Ray worker died ({exc.__class__.__name__})") from None

    def close(self) -> None:
        ray = self.ray
        try:
            ray.get([a.close.remote() for a in self.actors], timeout=10)
        except Exception:  # noqa: BLE001 - a dead actor has nothing left to remove
            pass
        for a in self.actors:
            ray.kill(a)
        self.actors = []
        if self.started:
            ray.shutdown()
