"""The run card: what a run is, written once at its start, so no viewer has to re-derive it.

``run_card.json`` sits beside ``config.json`` in every run directory. The config says how to
reproduce the run; the card says what the run *is* to someone reading it: text or images, how many
views a step sees, the image spec (channels, size) or the tokenizer, the names of the classes and of
the generative factors' values (with a colour per value where the factor is a colour), the
method's family, papers, formula and what prevents collapse (its :class:`MethodCard`), the recipe
it follows (where it comes from, what it reached here), and the backbone with its parameter count.

It is built from the config and the registries alone: the dataset's card
(:func:`sslcore.data.dataset_info`, which reads no images) and the objective's class. So writing
it costs milliseconds, and a run written before cards existed gets the same card when read:
:func:`read_card` rebuilds it in memory from ``config.json`` and never writes it (a reader does
not hold the run's writer lock).

What is unknown before the data is read stays empty rather than guessed: the channels of a
``folder:`` dataset (``None``, so no parameter count either), the vocabulary of a text run (it is
learned from the documents; the card keeps the tokenizer and context length) and the class names of
a ``text:`` path.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from sslcore.backbones import parameter_count
from sslcore.config import ConfigError, RunConfig, from_dict
from sslcore.data import dataset_info
from sslcore.data.info import DatasetInfo
from sslcore.data.modality import Modality, modality_called
from sslcore.data.shapes import FACTOR_KINDS, FACTOR_VALUES, colour_swatches
from sslcore.method_card import MethodCard, method_card
from sslcore.recipes import RecipeCard, recipe_cards, uses_photo_recipe
from sslcore.store import RunStore, read_json_object, write_json_atomic

CARD_FILE = "run_card.json"
CARD_VERSION = 1
KINDS: dict[str, Any] = {
    "str": str,
    "int": int,
    "int | None": (int, type(None)),
    "str | None": (str, type(None)),
}
SHAPES_COLOURS = {"colour": colour_swatches}  # the factors whose values are paints, as painted


@dataclass(frozen=True)
class Factor:
    """A generative factor recorded per image (``embeddings/*.npz`` holds ``factor_<name>``).

    Attributes:
        name: e.g. ``shape``, ``colour``, ``size``.
        kind: ``categorical`` (int codes) or ``continuous`` (floats).
        values: a categorical factor's value names, index-aligned with its codes.
        colours: where the values are colours, each one's ``#rrggbb``, aligned with ``values``.
    """

    name: str
    kind: str
    values: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataCard:
    """The run's data as a reader needs it.

    Attributes:
        dataset: ``data.dataset``.
        channels: 1 or 3 for images; None for text or when unknown before reading images.
        image_size: the side the images are resized to; None for text.
        tokenizer: ``chars``, ``words`` or ``bpe`` for text; None for images.
        context_length: tokens per document for text; None for images.
        classes: class names, index-aligned with the labels (empty when unlabelled or unknown).
        factors: the generative factors (procedural data only).
    """

    dataset: str
    channels: int | None
    image_size: int | None
    tokenizer: str | None
    context_length: int | None
    classes: tuple[str, ...]
    factors: tuple[Factor, ...]


@dataclass(frozen=True)
class BackboneCard:
    """The network that learns the representation.

    Attributes:
        name: ``backbone.name``.
        parameters: its weight count (None when the input's channels or vocabulary are unknown,
            or the backbone cannot be built on this machine).
        init_from: ``scratch``, ``imagenet`` or ``run:<id>``.
    """

    name: str
    parameters: int | None
    init_from: str


@dataclass(frozen=True)
class RunCard:
    """Everything a viewer shows about a run that is not a measurement (``run_card.json``).

    Attributes:
        modality: ``image`` or ``text``.
        n_views: augmented views of each image (or sentence) per step.
        data: the data (:class:`DataCard`).
        method: the objective (:class:`~sslcore.method_card.MethodCard`).
        recipe: the recipe this run's data calls for: its source, what it reached here and its
            settings (:class:`~sslcore.recipes.RecipeCard`).
        backbone: the backbone (:class:`BackboneCard`).
        version: the card format's version.
    """

    modality: str
    n_views: int
    data: DataCard
    method: MethodCard
    recipe: RecipeCard
    backbone: BackboneCard
    version: int = CARD_VERSION

    @property
    def examples(self) -> str:
        """What its inputs are called on the pages: ``images`` or ``documents``."""
        return modality_called(self.modality).noun

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form written to ``run_card.json`` (tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))

    def factor(self, name: str) -> Factor | None:
        """The factor called ``name``, or None."""
        return next((f for f in self.data.factors if f.name == name), None)


def _factors(info: DatasetInfo) -> tuple[Factor, ...]:
    # Only the procedural shapes record factors; their names, kinds and values are its constants.
    return tuple(
        Factor(
            name,
            FACTOR_KINDS.get(name, "continuous"),
            tuple(FACTOR_VALUES.get(name, ())),
            tuple(SHAPES_COLOURS[name]()) if name in SHAPES_COLOURS else (),
        )
        for name in info.factors
    )


def _data_card(config: RunConfig, modality: Modality) -> DataCard:
    data = config.data
    try:
        info: DatasetInfo | None = dataset_info(data.dataset)
    except (ConfigError, OSError, ValueError):  # a path gone since; the run will say so itself
        info = None
    return DataCard(
        dataset=data.dataset,
        **modality.card_shape(data, None if info is None else info.channels),
        classes=info.classes if info is not None else (),
        factors=_factors(info) if info is not None else (),
    )


def build_card(config: RunConfig) -> RunCard:
    """The card of a run of ``config``, from the registries and the dataset's card (no images
    are read, no model is built: the parameters are counted on the meta device)."""
    method = method_card(config.objective.name)
    data = _data_card(config, modality_called(method.modality))
    photo = uses_photo_recipe(config.objective.name, data.dataset)
    recipes = recipe_cards(config.objective.name)
    recipe = recipes[-1] if photo and len(recipes) > 1 else recipes[0]
    parameters = None
    if data.channels is not None:
        try:
            parameters = parameter_count(config.backbone, data.channels, config.data.image_size)
        except ConfigError:  # a backbone this machine cannot build (timm: without timm)
            parameters = None
    return RunCard(
        modality=method.modality,
        n_views=method.n_views,
        data=data,
        method=method,
        recipe=recipe,
        backbone=BackboneCard(config.backbone.name, parameters, config.backbone.init_from),
    )


def write_card(store: RunStore, card: RunCard) -> None:
    """Write ``run_card.json`` atomically (the run's creator does, once)."""
    write_json_atomic(store.path / CARD_FILE, card.to_dict())


def read_card(store: RunStore) -> RunCard:
    """The run's card: ``run_card.json``, or for a run older than cards, rebuilt from its
    ``config.json`` (in memory only; a reader writes nothing into a run).

    Raises:
        ValueError: the card is malformed (the message names the field), or neither a card nor
            a readable config is there.
    """
    raw = read_json_object(store.path / CARD_FILE)
    if raw is not None:
        return card_from_dict(raw)
    return build_card(from_dict(RunConfig, store.readable_config()))


# --- the typed loader: every field checked, the message naming it ------------------------------
def _get(raw: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(raw, dict) or key not in raw:
        raise ValueError(f"{CARD_FILE}: {where}{key} is missing")
    value = raw[key]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ValueError(f"{CARD_FILE}: {where}{key} must not be a boolean")
    if not isinstance(value, kind):
        raise ValueError(f"{CARD_FILE}: {where}{key} has the wrong type ({type(value).__name__})")
    return value


def _strings(raw: Any, key: str, where: str) -> tuple[str, ...]:
    values = _get(raw, key, list, where)
    if not all(isinstance(v, str) for v in values):
        raise ValueError(f"{CARD_FILE}: {where}{key} must be a list of strings")
    return tuple(values)


def _section(raw: dict[str, Any], cls: type, where: str, skip: tuple[str, ...] = ()) -> Any:
    """The fields of a flat dataclass (str, int, optional, tuple of str), each checked."""
    values: dict[str, Any] = {}
    for item in fields(cls):
        if item.name in skip:
            continue
        hint = item.type if isinstance(item.type, str) else item.type.__name__
        if hint == "tuple[str, ...]":
            values[item.name] = _strings(raw, item.name, where)
        else:
            values[item.name] = _get(raw, item.name, KINDS[hint], where)
    return values


def card_from_dict(raw: dict[str, Any]) -> RunCard:
    """A :class:`RunCard` from its JSON form, every field checked.

    Raises:
        ValueError: a field is missing or has the wrong type, or the version is newer than this
            engine reads.
    """
    version = _get(raw, "version", int, "")
    if version > CARD_VERSION:
        raise ValueError(f"{CARD_FILE}: version {version} is newer than this lab ({CARD_VERSION})")
    data = _get(raw, "data", dict, "")
    factors = tuple(
        Factor(**_section(f, Factor, f"data.factors[{i}]."))
        for i, f in enumerate(_get(data, "factors", list, "data."))
    )
    recipe = _get(raw, "recipe", dict, "")
    return RunCard(
        modality=_get(raw, "modality", str, ""),
        n_views=_get(raw, "n_views", int, ""),
        data=DataCard(**_section(data, DataCard, "data.", skip=("factors",)), factors=factors),
        method=MethodCard(**_section(_get(raw, "method", dict, ""), MethodCard, "method.")),
        recipe=RecipeCard(
            **_section(recipe, RecipeCard, "recipe.", skip=("overrides",)),
            overrides=_get(recipe, "overrides", dict, "recipe."),
        ),
        backbone=BackboneCard(
            **_section(_get(raw, "backbone", dict, ""), BackboneCard, "backbone.")
        ),
        version=version,
    )
