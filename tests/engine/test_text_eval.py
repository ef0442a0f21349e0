"""``sslcore eval`` on a tiny text run: kNN and linear probes of sentence embeddings on the module
label, collapse figures without alignment, perplexity for a language model, clear refusals."""

from __future__ import annotations

import pytest
import torch

from sslcore.eval.run_eval import evaluate_run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, finished_text_run):
    torch.set_num_threads(1)
    return finished_text_run(tmp_path_factory.mktemp("runs")).path


@pytest.mark.parametrize("protocol", ["knn", "linear"])
def test_sentence_embeddings_are_probed_on_the_module_label(run_dir, protocol):
    result = evaluate_run(run_dir, protocol)
    assert 0 <= result["accuracy"] <= 1 and result["dataset"] == "stdlib_docs"
    assert result["n_labels"] == result["n_train"] > result["n_test"] > 0
    assert (run_dir / "eval" / f"{protocol}.json").is_file()


def test_a_labels_fraction_probes_fewer_documents(run_dir):
    result = evaluate_run(run_dir, "knn", labels_fraction=0.1)
    assert result["name"] == "knn-10pct" and result["n_labels"] < result["n_train"] / 5


def test_collapse_has_no_alignment_and_perplexity_is_below_chance(run_dir):
    collapse = evaluate_run(run_dir, "collapse")
    assert 1 <= collapse["rankme"] <= collapse["rank_max"] and "alignment" not in collapse
    perplexity = evaluate_run(run_dir, "perplexity")
    assert 1 < perplexity["perplexity"] < 3 * perplexity["vocabulary"]


@pytest.mark.parametrize(
    ("protocol", "message"),
    [
        ("probes", "no factors to probe"),
        ("finetune", "trains the backbone on augmented images"),
        ("label-efficiency", "text runs take knn, linear, collapse, perplexity"),
    ],
)
def test_image_only_protocols_are_refused_with_a_reason(run_dir, protocol, message):
    with pytest.raises(ValueError, match=message):
        evaluate_run(run_dir, protocol)


def test_transfer_does_not_apply_to_text(run_dir):
    with pytest.raises(ValueError, match="does not apply to text runs"):
        evaluate_run(run_dir, "knn", dataset="shapes")
