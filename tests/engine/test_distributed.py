"""Training on several processes, tested on the CPU with the gloo backend.

Two processes must compute what one process computes with the same global batch: the gathered
losses, given the :class:`DataParallel` strategy as their ranks (their values and the gradients
that flow back through the gather), and a whole
``torchrun -m sslcore train`` run, whose run directory must look like any single-process run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from sslcore import distributed
from sslcore.checkpoint import load_backbone, load_checkpoint
from sslcore.config import RunConfig, from_dict, replace, to_dict
from sslcore.objectives.barlow_twins import barlow_twins_loss
from sslcore.objectives.dino import updated_center
from sslcore.objectives.simclr import nt_xent_loss
from sslcore.objectives.vicreg import vicreg_loss
from sslcore.recipes import recipe_config
from sslcore.store import RunStore, list_runs
from sslcore.train import RunControl, Trainer
from sslcore.train.strategy import DataParallel, for_this_process

WORLD = 2
BATCH, DIM = 8, 6  # the global batch: each of the two processes holds 4 rows
LOSSES = {  # (z1, z2, ranks) -> loss; without ranks, the single-process loss
    "simclr": lambda z1, z2, *ranks: nt_xent_loss(z1, z2, 0.2, *ranks)[0],
    "barlow_twins": lambda z1, z2, *ranks: barlow_twins_loss(z1, z2, 5e-3, *ranks)[0],
    "vicreg": lambda z1, z2, *ranks: vicreg_loss(z1, z2, 25.0, 25.0, 1.0, *ranks)[0],
}
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def global_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(2, BATCH, DIM, generator=g)
    teacher = torch.randn(2 * BATCH, 16, generator=g)  # DINO teacher logits of two views
    return z1, z2, teacher


def loss_worker(rank: int, port: int, out_dir: str) -> None:
    """One of two gloo processes: losses and gradients on its share of the global batch."""
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD
    )
    try:
        strategy = for_this_process()
        assert isinstance(strategy, DataParallel) and strategy.world_size == WORLD
        z1, z2, teacher = global_batch()
        rows = strategy.local_slice(torch.arange(BATCH))
        results: dict[str, object] = {"rows": rows, "seed": strategy.rank_seed(7)}
        for name, loss_fn in LOSSES.items():
            a, b = z1[rows].clone().requires_grad_(), z2[rows].clone().requires_grad_()
            loss = loss_fn(a, b, strategy)
            loss.backward()
            results[name] = (loss.detach(), a.grad, b.grad)
        views = [teacher[:BATCH][rows], teacher[BATCH:][rows]]
        results["center"] = updated_center(torch.zeros(16), views, 0.9, strategy)
        results["from_main"] = strategy.from_main(f"rank {rank}")
        results["objects"] = strategy.gather_objects(rank * 10)
        results["all_true"] = strategy.all_true(rank == 0, torch.device("cpu"))
        torch.save(results, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_process_losses(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("losses")
    # fork: the children start with torch already imported (spawning them took ~40 s here).
    torch.multiprocessing.start_processes(
        loss_worker, args=(free_port(), str(out)), nprocs=WORLD, start_method="fork"
    )
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(WORLD)]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gathered_loss_and_gradient_equal_the_single_process_ones(two_process_losses, name):
    z1, z2, _ = global_batch()
    a, b = z1.clone().requires_grad_(), z2.clone().requires_grad_()
    loss = LOSSES[name](a, b)
    loss.backward()
    per_rank = [result[name] for result in two_process_losses]
    # The mean of the processes' losses is the loss of the global batch ...
    mean_loss = torch.stack([loss_r for loss_r, _, _ in per_rank]).mean()
    torch.testing.assert_close(mean_loss, loss.detach(), rtol=1e-5, atol=1e-6)
    # ... and the gradient each process sends to its rows, averaged as DDP does, is its
    # gradient: DDP divides by the world size what the gather's backward summed.
    grad_1 = torch.cat([g1 for _, g1, _ in per_rank]) / WORLD
    grad_2 = torch.cat([g2 for _, _, g2 in per_rank]) / WORLD
    torch.testing.assert_close(grad_1, a.grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(grad_2, b.grad, rtol=1e-4, atol=1e-6)


def test_shares_and_collectives(two_process_losses):
    rows = [result["rows"].tolist() for result in two_process_losses]
    assert rows == [[0, 1, 2, 3], [4, 5, 6, 7]]  # contiguous shares of the global batch
    seeds = [result["seed"] for result in two_process_losses]
    assert seeds[0] == 7 and seeds[1] != 7  # rank 0 keeps the run's seed, the other differs
    _, _, teacher = global_batch()
    center = updated_center(torch.zeros(16), [teacher[:BATCH], teacher[BATCH:]], 0.9)
    for result in two_process_losses:
        torch.testing.assert_close(result["center"], center)  # DINO's centre is global
        assert result["from_main"] == "rank 0"
        assert result["objects"] == [0, 10]
        assert result["all_true"] is False  # rank 1 said False, so nobody goes on alone


def test_single_process_is_the_identity():
    z = torch.randn(4, 3)
    assert distributed.world_size() == 1 and distributed.rank() == 0 and distributed.is_main()
    assert distributed.gather_with_grad(z) is z
    assert distributed.mean_over_ranks(z) is z
    assert distributed.local_slice(torch.arange(6)).tolist() == list(range(6))


TRAIN_SETTINGS = {
    # A ViT and a one-layer projector: no BatchNorm anywhere, so two processes normalise
    # nothing with their own half of the batch and can match one process exactly (torch's
    # SyncBatchNorm, which would make BatchNorm global, needs GPUs).
    "data.image_size": 16,
    "data.train_size": 64,
    "data.test_size": 64,
    "backbone.name": "vit_tiny",
    "backbone.vit_depth": 1,
    "backbone.vit_dim": 32,
    "backbone.vit_heads": 2,
    "objective.params.proj_layers": 1,
    "objective.params.proj_out_dim": 16,
    "optim.optimizer": "sgd",  # linear in the gradient, so rounding is not amplified
    "optim.lr": 0.05,
    "optim.batch_size": 16,
    "optim.steps": 5,
    "optim.warmup_steps": 1,
    "optim.precision": "fp32",
    "monitor.log_every": 1,
    "monitor.eval_every": 5,
    "monitor.checkpoint_every": 5,
    "monitor.probe_size": 32,
    "num_threads": 1,
    "device": "cpu",
}


def train_flags(runs_dir: Path) -> list[str]:
    settings = [f"--set={key}={value}" for key, value in TRAIN_SETTINGS.items()]
    # No augmentation (--augment none): each process augments its share with its own stream.
    objective = ["--objective", "simclr", "--augment", "none"]
    return ["train", *objective, *settings, "--runs-dir", str(runs_dir), "--quiet"]


def run_files(store: RunStore) -> list[str]:
    """Every file of a run, relative to its directory."""
    return sorted(
        p.relative_to(store.path).as_posix() for p in store.path.rglob("*") if p.is_file()
    )


def only_run(runs_dir: Path) -> RunStore:
    runs = list_runs(runs_dir)
    assert len(runs) == 1, [r.path for r in runs]
    return runs[0]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[RunStore, RunStore]:
    """The same SimCLR run by ``torchrun --nproc_per_node=2`` (gloo) and by one process."""
    root = tmp_path_factory.mktemp("runs")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    torchrun = Path(sys.executable).with_name("torchrun")
    command = [str(torchrun), "--standalone", f"--nproc_per_node={WORLD}", "-m", "sslcore"]
    done = subprocess.run(
        [*command, *train_flags(root / "two")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("finished at step 5") == 1, done.stdout  # one summary, from rank 0
    from sslcore.cli import main

    assert main(train_flags(root / "one")) == 0
    return only_run(root / "two"), only_run(root / "one")


@pytest.mark.slow  # out of make test-fast: two runs on two forked processes, ~20 s
def test_two_processes_train_like_one_with_the_same_global_batch(two_runs):
    two, one = two_runs
    losses_two = [row["loss"] for row in two.metrics() if "loss" in row]
    losses_one = [row["loss"] for row in one.metrics() if "loss" in row]
    assert len(losses_two) == len(losses_one) == 5
    # Measured: equal to ~1e-7; the tolerance leaves room for the order of float sums.
    torch.testing.assert_close(
        torch.tensor(losses_two), torch.tensor(losses_one), rtol=1e-5, atol=0
    )
    assert losses_one[-1] != losses_one[0]  # it did train
    weights_two = load_checkpoint(two.checkpoint_path())["objective"]
    weights_one = load_checkpoint(one.checkpoint_path())["objective"]
    assert weights_two.keys() == weights_one.keys()
    for key, value in weights_one.items():
        torch.testing.assert_close(weights_two[key], value, rtol=1e-4, atol=1e-6, msg=key)


@pytest.mark.slow
def test_the_run_directory_is_that_of_a_single_process_run(two_runs):
    two, one = two_runs
    status = two.status()
    assert status is not None and status["state"] == "finished" and status["step"] == 5
    assert status["world_size"] == WORLD and one.status()["world_size"] == 1
    assert from_dict(RunConfig, two.readable_config()).optim.batch_size == 16
    files = run_files(two)
    assert files == run_files(one)
    assert not [name for name in files if name.endswith(".tmp")]
    # One writer: every logged step once, in order, each line whole JSON.
    lines = (two.path / "metrics.jsonl").read_text().splitlines()
    steps = [json.loads(line)["step"] for line in lines if "loss" in json.loads(line)]
    assert steps == [1, 2, 3, 4, 5]
    assert two.embedding_steps() == [0, 5] and two.load_embeddings() is not None
    assert two.snapshot_names() == one.snapshot_names()
    backbone, config = load_backbone(two.path)
    assert config.backbone.name == "vit_tiny" and backbone.out_dim == 32
    rng = load_checkpoint(two.checkpoint_path())["rng"]
    assert len(rng["ranks"]) == WORLD  # every process's random streams, for an exact resume


def stop_worker(rank: int, port: int, run_dir: str) -> None:
    """One of two gloo processes training a run whose rank 0 is asked to stop after step 2."""
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD
    )
    try:
        config = replace(recipe_config("simclr"), **{**TRAIN_SETTINGS, "optim.steps": 50})
        store = distributed.store_for_this_process(run_dir)
        store.create(to_dict(config))
        control = RunControl()

        def stop_after_step_2(row: dict) -> None:
            if row["step"] == 2:
                control.stop()

        on_progress = stop_after_step_2 if rank == 0 else None
        summary = Trainer(config, store, control, on_progress).run()
        (Path(run_dir).parent / f"summary{rank}.json").write_text(json.dumps(summary))
    finally:
        dist.destroy_process_group()


def test_a_stop_asked_of_rank_0_stops_every_process_at_the_same_step(tmp_path):
    context = torch.multiprocessing.start_processes(
        stop_worker,
        args=(free_port(), str(tmp_path / "run")),
        nprocs=WORLD,
        join=False,
        start_method="fork",
    )
    try:
        for _ in range(120):  # a deadlock would hang here: fail after 2 minutes instead
            if context.join(timeout=1):
                break
        else:
            pytest.fail("the processes did not finish: one waits for a step the other skipped")
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()
    summaries = [json.loads((tmp_path / f"summary{r}.json").read_text()) for r in range(WORLD)]
    assert [(s["state"], s["step"]) for s in summaries] == [("stopped", 2)] * WORLD
    store = RunStore(tmp_path / "run")
    assert store.status()["state"] == "stopped"
    assert load_checkpoint(store.checkpoint_path())["step"] == 2
