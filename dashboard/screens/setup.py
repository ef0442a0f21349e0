"""Setup: choose the data, the model, the objective and the augmentations, then start."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import navigation, setup_url, state
from dashboard.components import charts, config_form, image_grid, page, runs, text_view
from sslcore import api
from sslcore.config import AugmentConfig, BackboneConfig, ConfigError, DataConfig, from_dict

DATA_MAIN = ("data.dataset", "data.image_size")
MODEL_MAIN = ("backbone.name", "objective.name")
INIT_FROM = "backbone.init_from"
TRAIN_MAIN = ("optim.optimizer", "optim.lr", "optim.steps", "optim.batch_size", "seed", "device")
PREVIEW_IMAGES = 6
PREVIEW_VIEWS = 4


@st.cache_data(show_spinner="Loading sample images…", max_entries=8)
def dataset_samples(data: Mapping[str, Any], count: int = 16) -> tuple[np.ndarray, list[str]]:
    """The first ``count`` training images (N, H, W, C) uint8 and their class names."""
    return api.sample_images(from_dict(DataConfig, dict(data)), count)


@st.cache_data(show_spinner="Loading sample documents…", max_entries=8)
def text_samples(data: Mapping[str, Any], count: int = 8) -> tuple[list[str], list[str]]:
    """The first ``count`` training documents of a text dataset and their labels."""
    return api.sample_documents(from_dict(DataConfig, dict(data)), count)


@st.cache_data(show_spinner=False, max_entries=32)
def augmentation_preview(
    data: Mapping[str, Any], augment: Mapping[str, Any], seed: int, n_views: int
) -> np.ndarray:
    """(N, 1 + K, H, W, C): a few training images, each followed by its K augmented views.

    Column 0 is the original, so the eye can tell what the augmentations changed.
    """
    images, _ = dataset_samples(data)
    return api.augmentation_preview(
        images[:PREVIEW_IMAGES], from_dict(AugmentConfig, dict(augment)), n_views, seed
    )


@st.cache_data(show_spinner=False, max_entries=32)
def text_views_preview(
    data: Mapping[str, Any], augment: Mapping[str, Any], seed: int, count: int = 3
) -> list[tuple[str, list[str]]]:
    """A few training documents as the model reads them (their first L tokens) and the two
    views the augmentation settings make of each."""
    return api.text_views(
        from_dict(DataConfig, dict(data)), from_dict(AugmentConfig, dict(augment)), seed, count
    )


def objective_idea(name: str) -> str:
    """The first paragraph of an objective's docstring: the one-paragraph idea."""
    method = api.method(name)
    return method.idea if method is not None else ""


def refs(fields: Mapping[str, setup_url.FieldRef], names: tuple[str, ...]) -> list:
    return [fields[n] for n in names if n in fields]


def start_run(overrides: Mapping[str, Any]) -> None:
    """Start a run with this setup, follow it, and go to the Train page."""
    try:
        config = setup_url.build_config(overrides)
    except ConfigError as err:
        st.session_state[state.START_ERROR] = str(err)
        return
    run_id = runs.start(config)
    if run_id is None:  # refused by the class's limits: the message is on the page
        return
    state.follow_run(run_id)
    state.publish()
    st.switch_page(navigation.page("train"))


def load_recipe(name: str) -> None:
    state.set_setup(setup_url.recipe_overrides(name, keep=state.setup()))


def render_data(
    fields: Mapping[str, setup_url.FieldRef], setup: dict[str, Any], error: ConfigError | None
) -> dict[str, Any]:
    st.subheader("1 · Data")
    key = state.form_key("data.dataset")
    current = setup.get("data.dataset", DataConfig().dataset)
    st.session_state.setdefault(key, current)
    names = api.dataset_names()
    options = list(names) + ([current] if current not in names else [])
    st.selectbox("Dataset", options, key=key, help=fields["data.dataset"].field.metadata["help"])
    setup = setup_url.with_value(setup, fields["data.dataset"], st.session_state[key])
    if error is not None and error.field == "data.dataset":
        st.error(error.reason, icon=":material/error:")
    setup = config_form.render_fields(refs(fields, DATA_MAIN[1:]), setup, error)
    data = setup_url.section_config(setup, "data")
    if data is not None:
        try:
            if api.is_text_dataset(data.dataset):
                texts, labels = text_samples(dataclasses.asdict(data))
                text_view.show_documents(texts, labels)
                return setup
            images, names = dataset_samples(dataclasses.asdict(data))
            image_grid.show_grid(
                images, columns=8, target=64, caption=", ".join(names[:8]) if names else None
            )
        except (OSError, ValueError, RuntimeError) as err:
            st.warning(f"Cannot show samples of {data.dataset}: {err}")
        api.prefetch_dataset(data)  # both splits load while the user looks: Start finds them
    return setup


def init_options(backbone: str) -> dict[str, str]:
    """``init_from`` value -> label: scratch, ImageNet weights, and every run with a checkpoint."""
    options = {"scratch": "Scratch (random weights)"}
    cached = api.imagenet_weights(backbone)  # None: no ImageNet weights for this backbone
    if cached is not None:
        options["imagenet"] = "ImageNet weights" + ("" if cached else " (not in the torch cache)")
    for store in runs.all_runs():
        if store.checkpoint_path().exists():
            options[f"run:{store.run_id}"] = f"Run: {runs.describe(store)}"
    return options


def render_init(
    ref: setup_url.FieldRef, setup: dict[str, Any], error: ConfigError | None
) -> dict[str, Any]:
    """The "Initialise from" select: scratch, a run's trained backbone, or ImageNet weights."""
    key = state.form_key(ref.dotted)
    st.session_state.setdefault(key, setup.get(ref.dotted, setup_url.default_value(ref)))
    current = st.session_state[key]
    options = init_options(setup.get("backbone.name", BackboneConfig().name))
    options.setdefault(current, current)  # a value from a link or a run that is gone stays visible
    st.selectbox(ref.field.metadata["label"], list(options), key=key, format_func=options.get,
                 help=ref.field.metadata["help"])  # fmt: skip
    if error is not None and error.field == ref.dotted:
        st.error(error.reason, icon=":material/error:")
    return setup_url.with_value(setup, ref, st.session_state[key])


def apply_fix(dotted: str, value: Any) -> None:
    """Set one field's widget (before the page draws it), as if the user had chosen ``value``."""
    st.session_state[state.form_key(dotted)] = value


def render_fix(setup: Mapping[str, Any], error: ConfigError | None) -> None:
    """A one-click fix for an objective that needs another backbone or dataset."""
    fix = None if error is None else setup_url.suggested_fix(setup, error)
    if fix is None:
        return
    ref, value = fix
    label = str(ref.field.metadata.get("label", ref.dotted)).lower()
    st.button(
        f"Switch the {label} to {value}",
        on_click=apply_fix,
        args=(ref.dotted, value),
        type="primary",
        icon=":material/build:",
        key="setup-fix",
        help=f"What {setup_url.objective_name(setup)}'s recipe uses.",
    )


def render_model(
    fields: Mapping[str, setup_url.FieldRef], setup: dict[str, Any], error: ConfigError | None
) -> dict[str, Any]:
    st.subheader("2 · Model and objective")
    setup = config_form.render_fields(refs(fields, MODEL_MAIN[:1]), setup, error)
    setup = render_init(fields[INIT_FROM], setup, error)
    setup = config_form.render_fields(refs(fields, MODEL_MAIN[1:]), setup, error)
    render_fix(setup, error)
    name = setup_url.objective_name(setup)
    st.info(objective_idea(name), icon=":material/lightbulb:")
    st.button(
        f"Load the {name} recipe",
        on_click=load_recipe,
        args=(name,),
        icon=":material/restaurant_menu:",
        help="Its paper's augmentations and hyperparameters, scaled for this lab.",
    )
    params = [ref for dotted, ref in fields.items() if dotted.startswith(setup_url.PARAMS)]
    if params:
        st.markdown(f"**{name} hyperparameters**")
    return config_form.render_fields(params, setup, error)


def render_training(
    fields: Mapping[str, setup_url.FieldRef], setup: dict[str, Any], error: ConfigError | None
) -> dict[str, Any]:
    st.subheader("3 · Training")
    setup = config_form.render_fields(refs(fields, TRAIN_MAIN), setup, error)
    render_schedule(setup)
    return setup


def render_schedule(setup: Mapping[str, Any]) -> None:
    """The learning rate over the run as configured (warm-up, then cosine decay).

    It is also the page's first chart: the browser loads its plotting code here, while the
    user reads the page, instead of after *Start*, where evaluating it held Chromium's main
    thread for 1.1 s of the wait for the first loss point on a 2-core machine.
    """
    optim = setup_url.section_config(setup, "optim")
    if optim is None:
        return
    steps, rates = api.lr_schedule(optim)
    figure = charts.series_figure(
        pd.DataFrame({"step": steps, "learning rate": rates}),
        ["learning rate"],
        "Learning rate over the run",
        "learning rate",
    )
    figure.update_layout(height=230, showlegend=False, margin={"b": 55, "t": 45})
    charts.show(figure, "setup-lr-schedule")


def render_augmentations(
    fields: Mapping[str, setup_url.FieldRef], setup: dict[str, Any], error: ConfigError | None
) -> dict[str, Any]:
    st.subheader("4 · Augmentations: what the network must learn to ignore")
    editor, preview_column = st.columns([1, 2])
    with editor:
        augment_refs = [ref for dotted, ref in fields.items() if dotted.startswith("augment.")]
        setup = config_form.render_fields(augment_refs, setup, error)
    with preview_column:
        if st.button("New random views", icon=":material/casino:"):
            st.session_state[state.PREVIEW_SEED] += 1
        data = setup_url.section_config(setup, "data")
        augment = setup_url.section_config(setup, "augment")
        if data is not None and augment is not None and api.is_text_dataset(data.dataset):
            st.info(
                "Of the augmentations only the crop applies to text: each view keeps a "
                "random span of the document, that share of its tokens (SimCSE's recipe: "
                "50-80%). MLM hides tokens itself and next-token prediction needs no views."
            )
            for document, views in text_views_preview(
                dataclasses.asdict(data),
                dataclasses.asdict(augment),
                st.session_state[state.PREVIEW_SEED],
            ):
                text_view.show_line(document, "**document** ")
                for k, view in enumerate(views, 1):
                    text_view.show_line(view, f"&emsp;**view {k}** ")
        elif data is not None and augment is not None:
            method = api.method(setup_url.objective_name(setup))
            n_views = max(2, min(PREVIEW_VIEWS, (method.n_views if method else 1) * 2))
            try:
                views = augmentation_preview(
                    dataclasses.asdict(data),
                    dataclasses.asdict(augment),
                    st.session_state[state.PREVIEW_SEED],
                    n_views,
                )
            except (OSError, ValueError, RuntimeError) as err:  # the data section says more
                st.warning(f"Cannot preview the views of {data.dataset}: {err}")
            else:
                image_grid.show_views(
                    views,
                    target=80,
                    caption="Each row: the original image (left), then the views the model sees.",
                )
        else:
            st.warning("Fix the setting marked in red to see the views.")
    return setup


def render_more(
    fields: Mapping[str, setup_url.FieldRef], setup: dict[str, Any], error: ConfigError | None
) -> dict[str, Any]:
    shown = {*DATA_MAIN, *MODEL_MAIN, *TRAIN_MAIN, INIT_FROM}
    rest = [
        ref
        for dotted, ref in fields.items()
        if dotted not in shown and not dotted.startswith(("augment.", setup_url.PARAMS))
    ]
    open_it = error is not None and error.field in {r.dotted for r in rest}
    with st.expander(
        "More settings (data split, backbone details, optimizer, monitoring)", expanded=open_it
    ):
        columns = st.columns(3)
        sections: dict[str, list] = {}
        for ref in rest:
            sections.setdefault(
                ref.dotted.split(".")[0] if "." in ref.dotted else "run", []
            ).append(ref)
        for i, (section, section_refs) in enumerate(sections.items()):
            with columns[i % 3]:
                st.markdown(f"**{section}**")
                setup = config_form.render_fields(section_refs, setup, error)
    return setup


def render() -> None:
    page.begin(
        ":material/tune: Set up an experiment",
        "Pick a dataset, a model and an objective, watch the augmentations, then press Start.",
    )
    for problem in st.session_state.get(state.URL_ERRORS, []):
        st.warning(f"The link had a value the lab cannot use: {problem}")
    setup = config_form.absorb_widgets(state.setup())
    error = setup_url.config_error(setup)
    fields = setup_url.all_fields(setup_url.objective_name(setup))
    data_column, model_column, train_column = st.columns(3, gap="large")
    with data_column:
        setup = render_data(fields, setup, error)
    with model_column:
        setup = render_model(fields, setup, error)
    with train_column:
        setup = render_training(fields, setup, error)
        if error is not None and error.field not in fields:
            st.error(str(error), icon=":material/error:")
        start = st.button(
            "Start training",
            type="primary",
            icon=":material/play_arrow:",
            disabled=error is not None,
            width="stretch",
            key="start-from-setup",
        )
        if st.session_state.get(state.START_ERROR):
            st.error(st.session_state.pop(state.START_ERROR))
    st.divider()
    setup = render_augmentations(fields, setup, error)
    setup = render_more(fields, setup, error)
    state.update_setup(setup)
    if start:
        start_run(setup)
    page.end()
