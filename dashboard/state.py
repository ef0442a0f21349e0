"""Every ``st.session_state`` key of the lab, and the session's link to the URL.

This module is the only place where session-state keys are defined. The user's setup and the run
they follow live in the session *and* in the URL query parameters: :func:`attach` reads the URL
once per browser session (so a refresh or a shared link restores the setup and re-attaches to the
run), and :func:`publish` writes the session back into the URL on every rerun (page switches clear
query parameters, so every page publishes).

URL parameters:
    ``<dotted.path>=value``  one per setup value that differs from the default
                             (``optim.steps=300``, ``objective.params.temperature=0.2``);
    ``run=<run_id>``         the run this tab follows;
    ``owner=<token>``        who may pause and stop the runs started from this tab (a refresh
                             keeps it; the "share this setup" link leaves it out);
    ``teacher=<token>``      classroom mode: the teacher's secret (from ``ssl-lab --classroom``);
    ``compare=<id>,<id>``    the runs picked on the Compare page;
    ``projector=1``, ``map=``, ``colour=``, ``frame=``, ``protocol=``, ``fraction=``
                             what the pages' widgets show (:data:`URL_WIDGETS`), so a link
                             reproduces the screen: projector mode, the embedding map's method,
                             colouring and replayed step, the Evaluate page's choice.

A widget value from the URL is only converted to its type here; the page that draws the widget
checks it against its options (:func:`keep_if_valid`), since only the page knows them.

Who is who: a user logged in through Streamlit's OIDC login (``st.user``) is their e-mail;
otherwise the owner token of the URL is the identity, made at random in a new browser session
(so it is per tab and survives a refresh). In classroom mode (:mod:`sslcore.classroom`) a
student sees only their own runs, and the teacher (a listed login, or the teacher token) sees and
may stop every run; the job manager checks the same identities again.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard import setup_url
from sslcore import api

# --- session-state keys (nothing else in the dashboard spells a key) ------------------------
ATTACHED = "ssl_lab_attached"  # the URL has been read into this session
SETUP = "ssl_lab_setup"  # dict: dotted path -> value, the user's changes from the defaults
URL_ERRORS = "ssl_lab_url_errors"  # list[str]: URL values that could not be read
RUN_ID = "ssl_lab_run_id"  # the run this tab follows ("" for none)
OWNER = "ssl_lab_owner"  # this tab's identity for the job manager (token or "user:<e-mail>")
TEACHER = "ssl_lab_teacher"  # bool: classroom mode, and this session is the teacher's
TEACHER_TOKEN = "ssl_lab_teacher_token"  # the token that made it so ("" for a teacher login)
LOGGED_IN = "ssl_lab_logged_in"  # bool: the identity comes from st.user
PREVIEW_SEED = "ssl_lab_preview_seed"  # seed of the augmentation preview (regenerate button)
COMPARE_RUNS = "ssl_lab_compare_runs"  # run ids picked on the Compare page
START_ERROR = "ssl_lab_start_error"  # message of the last refused start
EVAL_MESSAGE = "ssl_lab_eval_message"  # result line of the last evaluation started by hand
MAP_PREVIOUS = "ssl_lab_map_previous"  # (run_id, method, ids, coords) of the last map drawn

# Widget keys (widgets write these; pages read their values back).
FORM_PREFIX = "ssl_lab_field:"  # + dotted path: one per config field of the setup form
MAP_METHOD = "ssl_lab_map_method"
MAP_COLOUR = "ssl_lab_map_colour"
MAP_STEP = "ssl_lab_map_step"
MAP_SELECTION = "ssl_lab_map_selection"
EMBED_RUN = "ssl_lab_embed_run"
EVAL_RUN = "ssl_lab_eval_run"
EVAL_PROTOCOL = "ssl_lab_eval_protocol"
EVAL_FRACTION = "ssl_lab_eval_fraction"
COMPARE_PICKER = "ssl_lab_compare_picker"
TRAIN_RUN = "ssl_lab_train_run"
PROJECTOR = "ssl_lab_projector"  # bool: large tiles and type, for a room (sidebar toggle)

RUN_PARAM = "run"
OWNER_PARAM = "owner"
TEACHER_PARAM = "teacher"
COMPARE_PARAM = "compare"


def _flag(text: str) -> bool | None:
    return True if text == "1" else None


def _number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            return None

    return parse


# URL parameter -> (widget key, parser from the URL's text; None drops a value it cannot read).
URL_WIDGETS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "projector": (PROJECTOR, _flag),
    "map": (MAP_METHOD, str),
    "colour": (MAP_COLOUR, str),
    "frame": (MAP_STEP, _number(int)),
    "protocol": (EVAL_PROTOCOL, str),
    "fraction": (EVAL_FRACTION, _number(float)),
}
# An owner token from a URL is used only when it looks like one we made (or a similar secret).
OWNER_TOKEN = re.compile(r"^[A-Za-z0-9_-]{12,64}$")


def runs_dir() -> Path:
    """The runs directory: ``$SSL_LAB_RUNS_DIR`` (set by ``ssl-lab``), else ``./runs``."""
    return Path(os.environ.get("SSL_LAB_RUNS_DIR", "runs"))


def form_key(dotted: str) -> str:
    """The widget key of the setup-form field at ``dotted`` (``optim.lr``)."""
    return FORM_PREFIX + dotted


def classroom() -> api.ClassroomPolicy | None:
    """The classroom policy of this server (``ssl-lab --classroom``), or None."""
    return api.classroom()


def logged_in_user() -> str:
    """The e-mail (or OIDC subject) of the user logged in through ``st.login``, else ``""``."""
    if st.user.get("is_logged_in") is not True:
        return ""
    return str(st.user.get("email") or st.user.get("sub") or "")


def require_login(policy: api.ClassroomPolicy | None) -> None:
    """Stop the page with a login button when the class requires a login and there is none."""
    if policy is None or not policy.require_login or logged_in_user():
        return
    st.info("This class asks you to log in first.", icon=":material/login:")
    st.button("Log in", on_click=st.login, type="primary", icon=":material/login:")
    st.stop()


def attach() -> None:
    """Fill the session from the URL the first time this browser session runs the app."""
    policy = classroom()
    require_login(policy)
    if st.session_state.get(ATTACHED):
        return
    params = {key: st.query_params.get(key) for key in st.query_params}
    views = {*URL_WIDGETS, COMPARE_PARAM}  # what the pages show, not settings of the run
    overrides, errors = setup_url.params_to_overrides(
        {key: value for key, value in params.items() if key not in views}
    )
    st.session_state[SETUP] = overrides
    st.session_state[URL_ERRORS] = errors
    st.session_state[RUN_ID] = params.get(RUN_PARAM) or ""
    user = logged_in_user()
    token = params.get(OWNER_PARAM) or ""
    st.session_state[LOGGED_IN] = bool(user)
    if user:
        st.session_state[OWNER] = f"user:{user}"
    else:
        st.session_state[OWNER] = token if OWNER_TOKEN.match(token) else secrets.token_hex(8)
    teacher_token = params.get(TEACHER_PARAM) or ""
    by_token = policy is not None and policy.is_teacher(token=teacher_token)
    st.session_state[TEACHER] = policy is not None and (by_token or policy.is_teacher(user=user))
    st.session_state[TEACHER_TOKEN] = teacher_token if by_token else ""
    st.session_state[PREVIEW_SEED] = 0
    st.session_state[COMPARE_RUNS] = [r for r in (params.get(COMPARE_PARAM) or "").split(",") if r]
    for param, (key, parse) in URL_WIDGETS.items():
        value = parse(params[param]) if params.get(param) else None
        if value is not None:
            st.session_state[key] = value
    st.session_state[ATTACHED] = True


def publish() -> None:
    """Write the setup, the followed run, the owner token (and a teacher's token) into the URL."""
    wanted = setup_url.overrides_to_params(setup())
    if run_id():
        wanted[RUN_PARAM] = run_id()
    if not st.session_state[LOGGED_IN]:
        wanted[OWNER_PARAM] = owner()
    if st.session_state[TEACHER_TOKEN]:
        wanted[TEACHER_PARAM] = st.session_state[TEACHER_TOKEN]
    if st.session_state[COMPARE_RUNS]:
        wanted[COMPARE_PARAM] = ",".join(st.session_state[COMPARE_RUNS])
    for param, (key, _) in URL_WIDGETS.items():
        value = st.session_state.get(key)
        if value is True:
            wanted[param] = "1"
        elif value not in (None, False):
            wanted[param] = str(value)
    current = {key: st.query_params.get(key) for key in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def keep_if_valid(key: str, options: Collection[Any], default: Any = None) -> None:
    """Forget a widget's value (from the URL, or picked for another run) that is not among
    ``options``, so the widget starts on its default instead of failing.

    A widget whose value may come from the URL takes its ``default`` from here, not from its
    ``value=`` argument: Streamlit warns on the page when a widget has both a ``value=`` and a
    value set through session state.
    """
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
    if default is not None:
        st.session_state.setdefault(key, default)


def projector() -> bool:
    """Whether projector mode is on (large tiles and type)."""
    return bool(st.session_state.get(PROJECTOR))


def setup() -> dict[str, Any]:
    """The user's setup: dotted path -> value, only the values changed from the defaults."""
    attach()
    return st.session_state[SETUP]


def update_setup(overrides: dict[str, Any]) -> None:
    """Store the setup the form produced (its widgets already show it)."""
    st.session_state[SETUP] = dict(overrides)


def set_setup(overrides: dict[str, Any]) -> None:
    """Replace the setup and forget the form widgets, so they show the new values."""
    st.session_state[SETUP] = dict(overrides)
    for key in [k for k in st.session_state if str(k).startswith(FORM_PREFIX)]:
        del st.session_state[key]


def run_id() -> str:
    attach()
    return st.session_state[RUN_ID]


def follow_run(run: str) -> None:
    """Make this tab follow ``run`` (it goes into the URL on the next publish)."""
    st.session_state[RUN_ID] = run


def owner() -> str:
    """This session's identity: ``user:<e-mail>`` when logged in, else its owner token."""
    attach()
    return st.session_state[OWNER]


def is_teacher() -> bool:
    """True in classroom mode for the teacher's session (a listed login or the teacher token)."""
    attach()
    return bool(st.session_state[TEACHER])
