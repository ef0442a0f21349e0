"""Every page of the lab with a finished tiny text run (AppTest): no exception, and text where the
image runs show pictures: the MLM guesses on Train, sentences on the embedding map, the text
protocols on Evaluate (factor probes said not to apply), perplexity on Compare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from dashboard import state
from sslcore import eval_jobs

PAGES = ("setup", "train", "embeddings", "evaluate", "compare", "learn")


@pytest.fixture(scope="module")
def text_run(tmp_path_factory, finished_text_run) -> tuple[Path, str]:
    torch.set_num_threads(1)
    runs = tmp_path_factory.mktemp("runs")
    return runs, finished_text_run(runs).run_id


@pytest.fixture
def runs_dir(text_run, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SSL_LAB_RUNS_DIR", str(text_run[0]))
    yield text_run[0]


def page_app(name: str, run_id: str) -> AppTest:
    at = AppTest.from_string(
        f"from dashboard.screens.{name} import render\nrender()\n", default_timeout=120
    )
    at.query_params[state.RUN_PARAM] = run_id
    return at


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_a_text_run(runs_dir, text_run, name):
    at = page_app(name, text_run[1]).run()
    assert not at.exception, (name, at.exception)
    assert at.title, name


def test_train_shows_the_masked_guesses_and_the_perplexity(runs_dir, text_run):
    at = page_app("train", text_run[1]).run()
    shown = all_text(at)
    assert "**Guesses** (step 4)" in shown and "▢" in shown  # the masked sentence
    assert any(m.label == "Documents per second" for m in at.metric)
    charts = [e.proto.spec for e in at.main if getattr(getattr(e, "proto", None), "spec", "")]
    assert any("Perplexity on held-out text" in spec for spec in charts)


def test_the_map_hovers_sentences_and_the_neighbours_are_sentences(runs_dir, text_run):
    at = page_app("embeddings", text_run[1]).run()
    (chart,) = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert '"field":"text"' in chart.proto.spec.replace(" ", "")
    assert "Hover over a dot to see its document" in all_text(at)

    def neighbours(run_path: str) -> None:
        from pathlib import Path

        from dashboard.components import embedding_map
        from sslcore.store import RunStore

        data = RunStore(Path(run_path)).load_embeddings()
        assert data is not None
        embedding_map.show_neighbours(data, 0, data["labels"].astype(str))

    shown = AppTest.from_function(neighbours, args=(str(runs_dir / text_run[1]),)).run()
    assert not shown.exception
    texts = [m.value for m in shown.markdown]
    assert texts[0].startswith("**The clicked document") and "nearest neighbours" in texts[2]
    assert len(texts) == 3 + 8  # the document, a heading, eight neighbour sentences


def test_evaluate_offers_the_text_protocols_and_says_why_not_the_others(runs_dir, text_run):
    at = page_app("evaluate", text_run[1]).run()
    assert any("Factor probes do not apply" in i.value for i in at.info)
    protocol = next(w for w in at.selectbox if w.label == "Protocol")
    assert list(protocol.options) == [
        "kNN classifier (frozen features)",
        "Linear probe (frozen features)",
        "Collapse diagnostics (std, RankMe, alignment, uniformity)",
        "Perplexity (a language model's surprise at held-out text)",
    ]
    assert next(w for w in at.selectbox if w.label == "Evaluate on").options == [
        "stdlib_docs (its own data)"
    ]
    for name, words in (("knn", "kNN classifier"), ("perplexity", "Perplexity")):
        next(w for w in at.selectbox if w.label == "Protocol").select(name).run()
        next(b for b in at.button if b.label == "Run").click().run()
        eval_jobs.wait(runs_dir / text_run[1], timeout=120)  # it runs in the background
        at.run()
        assert not at.exception and any(f"{words}: done" in s.value for s in at.success)
    labels = {m.label for m in at.metric}
    assert {"kNN classifier", "perplexity", "vocabulary"} <= labels


def test_compare_lists_the_perplexity(runs_dir, text_run):
    at = page_app("compare", text_run[1]).run()
    table = at.dataframe[0].value
    assert table.loc[0, "dataset"] == "stdlib_docs" and table.loc[0, "final perplexity"] > 1


def test_learn_has_the_text_cards_formulas_and_lesson(runs_dir, text_run):
    from dashboard.lessons import LESSONS
    from dashboard.setup_url import build_config, recipe_overrides
    from sslcore.objectives import OBJECTIVES

    at = page_app("learn", text_run[1]).run()
    assert any("Masked words or contrastive sentences?" in h.value for h in at.subheader)
    assert any(b.label == "Start both runs" for b in at.button)
    assert any("2 views per sentence · augmentations: dropout only" in c.value for c in at.caption)
    latex = "\n".join(x.value for x in at.latex)
    for name in ("mlm", "next_token", "simcse"):
        assert OBJECTIVES[name].formula in latex
        config = build_config(recipe_overrides(name))  # "Try" gives a setup that runs as it is
        assert config.data.dataset == "stdlib_docs" and config.backbone.name == "text_transformer"
    (lesson,) = [lesson for lesson in LESSONS if "contrastive sentences" in lesson.title]
    names = {build_config(o).objective.name for o in lesson.setups.values()}
    assert names == {"mlm", "simcse"}


def test_highlights_are_bold_even_next_to_punctuation_and_markdown_stays_text():
    from dashboard.components.text_view import highlighted

    assert highlighted("the return⟦.⟧ of <mock>") == "the return<b>\\.</b> of &lt;mock&gt;"
    assert highlighted("costs $5 *now*") == "costs \\$5 \\*now\\*"


def test_setup_shows_the_spans_the_text_crop_cuts(runs_dir):
    from dashboard.setup_url import recipe_overrides

    at = AppTest.from_string(
        "from dashboard.screens.setup import render\nrender()\n", default_timeout=120
    )
    for key, value in recipe_overrides("simcse").items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception, at.exception
    lines = [str(m.value) for m in at.markdown]
    documents = [line for line in lines if line.startswith("**document**")]
    views = [line for line in lines if "**view 2**" in line]
    assert len(documents) == 3 and len(views) == 3
    for view, document in zip(views, documents, strict=True):  # a span is shorter than its text
        assert len(view) < len(document) + len("&emsp;**view 2**")
