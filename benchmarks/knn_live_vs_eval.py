"""Why the Train page's kNN and the Evaluate page's kNN differ for the same weights.

The live monitor (:mod:`sslcore.train.monitor`) scores a probe sample of the test split against
a bank of at most 2,000 labelled training images, on features computed under the run's autocast
(bf16 on these CPUs); the Evaluate page's kNN (:mod:`sslcore.eval.run_eval`) scores the whole
test split against the whole training set, in fp32. Both use the run's k and τ. This script
takes one finished run and changes one of those at a time.

Usage: ``python benchmarks/knn_live_vs_eval.py RUN_DIR``. Prints a markdown table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import sslcore
from sslcore.config import RunConfig, from_dict
from sslcore.data import load_dataset
from sslcore.data.modality import modality_of
from sslcore.eval.features import extract_features
from sslcore.eval.knn import knn_accuracy
from sslcore.store import RunStore
from sslcore.train.monitor import BANK_SIZE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args()
    store = RunStore(args.run_dir)
    config = from_dict(RunConfig, store.readable_config())
    model = sslcore.load_backbone(args.run_dir)
    train, test = load_dataset(config.data, "train"), load_dataset(config.data, "test")
    assert train.labels is not None and test.labels is not None
    probe = test.probe_indices(config.monitor.probe_size, seed=0)  # as the monitor draws them
    bank = train.probe_indices(BANK_SIZE, seed=1)
    k, temperature = config.monitor.knn_k, config.monitor.knn_temperature
    classes = len(train.classes)
    modality = modality_of(train)  # images or token ids

    def features(images: torch.Tensor, bf16: bool) -> torch.Tensor:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return extract_features(model, images, "cpu", modality=modality).float()

    rows = []
    for bf16 in (True, False):
        train_h, test_h = features(train.images, bf16), features(test.images, bf16)
        for probe_rows, bank_rows in ((probe, bank), (probe, None), (None, bank), (None, None)):
            queries = test_h if probe_rows is None else test_h[probe_rows]
            query_labels = test.labels if probe_rows is None else test.labels[probe_rows]
            keys = train_h if bank_rows is None else train_h[bank_rows]
            key_labels = train.labels if bank_rows is None else train.labels[bank_rows]
            accuracy = knn_accuracy(keys, key_labels, queries, query_labels, classes, k,
                                    temperature)  # fmt: skip
            rows.append((len(queries), len(keys), "bf16" if bf16 else "fp32", accuracy))
    live = [r for r in store.metrics() if "knn_accuracy" in r]
    evaluated = store.eval_results().get("knn", {}).get("accuracy")
    print(f"run {store.run_id} ({config.data.dataset}, {config.objective.name}, k = {k}, "
          f"τ = {temperature:g}); live kNN logged: {live[-1]['knn_accuracy']:.1%} at step "
          f"{live[-1]['step']}" if live else "", end="")  # fmt: skip
    print(f"; eval/knn.json: {evaluated:.1%}" if evaluated is not None else "")
    print("\n| test images | bank (training images) | features | kNN accuracy |")
    print("|---:|---:|---|---:|")
    for n_test, n_bank, precision, accuracy in rows:
        print(f"| {n_test:,} | {n_bank:,} | {precision} | {accuracy:.1%} |")


if __name__ == "__main__":
    main()
