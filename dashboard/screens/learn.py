"""Learn: a card per objective (formula, idea, code) and guided lessons with a question."""

from __future__ import annotations

import streamlit as st

from dashboard import navigation, setup_url, state
from dashboard.components import page, probe_table, runs
from dashboard.lessons import LESSONS, Lesson
from sslcore import api
from sslcore.config import ConfigError


def render_card(method: api.MethodCard) -> None:
    """One method's card: the loss, the idea, what prevents collapse, papers, recipes, code."""
    text = method.modality == "text"
    with st.container(border=True):
        st.subheader(f"{method.title}  ·  {method.family}")
        views = f"{method.n_views} view{'s' if method.n_views != 1 else ''} per "
        augment = "dropout only" if text and method.n_views > 1 else method.default_augment
        st.caption(
            f"registry name `{method.name}` · {views}{'sentence' if text else 'image'} · "
            f"augmentations: {augment}"
        )
        if method.formula:
            st.latex(method.formula)
        st.markdown(method.idea)
        if method.prevents_collapse:
            st.markdown(f"**What prevents collapse:** {method.prevents_collapse}")
        if method.papers:
            st.caption("Papers: " + " · ".join(method.papers))
        with st.expander("Docstring"):
            st.text(api.method_doc(method.name))
        with st.expander("Recipes: where they come from, what they reach here"):
            for card in api.recipes(method.name):
                st.markdown(f"**On {card.data}.** {card.source}")
                if card.measured:
                    st.markdown(f"Measured here: {card.measured}")
                st.code(
                    "\n".join(f"{key} = {value}" for key, value in card.overrides.items()),
                    language="text",
                )
        name, source = api.loss_source(method.name)
        with st.expander(f"Source of the loss: `{name}`"):
            st.code(source, language="python")
        if st.button(
            f"Try {method.title}",
            key=f"try-{method.name}",
            type="primary",
            icon=":material/science:",
        ):
            state.set_setup(setup_url.recipe_overrides(method.name))
            st.switch_page(navigation.page("setup"))


def available_setups(lesson: Lesson) -> dict[str, dict]:
    """The lesson's setups that this lab can run: ImageNet ones only when the weights are cached."""

    def runnable(overrides: dict) -> bool:
        if overrides.get("backbone.init_from") != "imagenet":
            return True
        return api.imagenet_weights(str(overrides.get("backbone.name"))) is True

    return {label: o for label, o in lesson.setups.items() if runnable(o)}


def start_lesson(lesson: Lesson) -> None:
    """Start every available setup of a lesson and open the Compare page on them."""
    started = []
    for overrides in available_setups(lesson).values():
        try:
            config = setup_url.build_config(overrides)
        except ConfigError as err:
            st.error(f"This lesson needs something this lab lacks: {err}")
            return
        run_id = runs.start(config)
        if run_id is None:  # refused by the class's limits: the message is on the page
            st.error(st.session_state.get(state.START_ERROR, "Not started."))
            return
        started.append(run_id)
    state.follow_run(started[0])
    st.session_state[state.COMPARE_RUNS] = started
    st.session_state.pop(state.COMPARE_PICKER, None)
    st.switch_page(navigation.page("compare" if len(started) > 1 else "train"))


def lesson_runs(lesson: Lesson) -> dict[str, str]:
    """The newest run of each of the lesson's setups (found by the setup's run name), in the
    lesson's order: run id -> the setup's label."""
    newest: dict[str, str] = {}  # setup label -> run id
    for store in runs.all_runs():  # newest first
        name = (store.config() or {}).get("name")
        for label, overrides in lesson.setups.items():
            if name == overrides.get("name"):
                newest.setdefault(label, store.run_id)
    return {newest[label]: label for label in lesson.setups if label in newest}


def timing(lesson: Lesson, n_runs: int) -> str:
    """``About 3 minutes on a 2-core laptop; the two runs queue…``: what starting costs."""
    text = f"About {lesson.laptop_minutes} minutes of training on a 2-core laptop CPU"
    if n_runs > 1:
        text += (
            f"; its {n_runs} runs queue (one trains while the other waits, and starts by itself)"
        )
    return text + "."


def render_answer(lesson: Lesson) -> None:
    """The lesson's runs' factor probes beside a random network and chance, on the card."""
    found = lesson_runs(lesson)
    stores = [s for s in (runs.store_of(r) for r in found) if s is not None]
    if not probe_table.render(stores, labels=found):
        st.caption(
            "Start the runs, then Evaluate → Factor probes for each: their probes appear here "
            "side by side, with a random network of the same backbone and chance."
        )
    if lesson.measured:
        with st.expander("What we measured"):
            st.markdown(lesson.measured)


def render_lesson(number: int, lesson: Lesson) -> None:
    with st.container(border=True):
        st.subheader(f"Lesson {number}: {lesson.title}")
        st.markdown(lesson.story)
        st.markdown(f":material/help: **{lesson.question}**")
        st.markdown(f"*Where to look:* {lesson.where_to_look}")
        setups = available_setups(lesson)
        st.caption(f":material/timer: {timing(lesson, len(setups))}")
        for label in lesson.setups.keys() - setups.keys():
            st.caption(f"“{label}” is left out: it needs ImageNet weights in the torch cache "
                       "(see the README's Transfer section).")  # fmt: skip
        columns = st.columns(len(setups) + 1)
        for column, (label, overrides) in zip(columns, setups.items(), strict=False):
            if column.button(
                f"Load “{label}”", key=f"lesson-{number}-{label}", icon=":material/tune:"
            ):
                state.set_setup(overrides)
                st.switch_page(navigation.page("setup"))
        runs_word = "both runs" if len(setups) > 1 else "the run"
        if columns[-1].button(
            f"Start {runs_word}",
            key=f"lesson-{number}-start",
            type="primary",
            icon=":material/play_arrow:",
        ):
            start_lesson(lesson)
        if lesson.probes:
            render_answer(lesson)


def render() -> None:
    page.begin(
        ":material/school: Learn",
        "Read how each method learns without labels, then test it yourself in a guided lesson.",
    )
    lessons_tab, objectives_tab = st.tabs(["Guided lessons", "The objectives"])
    with lessons_tab:
        for number, lesson in enumerate(LESSONS, start=1):
            render_lesson(number, lesson)
    with objectives_tab:
        families: dict[str, list[api.MethodCard]] = {}
        for name in api.method_names():
            method = api.method(name)
            if method is not None:
                families.setdefault(method.family, []).append(method)
        for family, members in families.items():
            st.header(family.capitalize())
            for method in members:
                render_card(method)
    page.end()
