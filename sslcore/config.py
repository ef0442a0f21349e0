"""The run configuration: frozen dataclasses, validated on construction.

A run is fully described by one :class:`RunConfig` (data, augment, backbone, objective, optim,
monitor, plus seed and device). Every field carries its UI label, help text and allowed range in
its dataclass metadata (see :func:`spec`), so the dashboard builds its forms from here and never
hard-codes a range. Bad values raise :class:`ConfigError`, whose message names the field, the bad
value and what is allowed, e.g. ``optim.batch_size = 0 is not allowed: an integer from 2 to 4096``.

This module is the bottom layer of the engine: it imports no other part of sslcore, not even
inside a function. Yet some checks need a registry that lives above it: is ``resnet18`` a
backbone, which hyperparameters does ``byol`` take, does this objective suit this backbone? The
layer that owns the registries hands those checks *down* instead (:mod:`sslcore.validate`):

- :func:`register_names` gives the names of a registry (``"backbones"``), which a field lists
  as its choices through :func:`registry_names`;
- :func:`register_check` adds a check that every instance of a class runs on construction,
  after its fields passed :func:`check_fields` (a section may normalise itself there, as the
  objective section fills in its method's defaults).

The package ``sslcore`` arranges for those checks to be registered on the first one that is
needed (:func:`set_checks_loader`), so ``RunConfig(...)``, :func:`from_dict` and :func:`replace`
refuse an unknown name everywhere, while ``import sslcore.config`` stays light (no torch).
"""

from __future__ import annotations

import dataclasses
import json
import reprlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

import yaml

T = TypeVar("T")


MAX_MESSAGE_CHARS = 400  # an error names the problem; it never replays a huge input
MAX_CONFIG_CHARS = 1_000_000  # a config file or value is text of a few kilobytes
MAX_TEXT_CHARS = 4096  # a text setting: a name, a path (the longest Linux allows), a choice


class ConfigError(ValueError):
    """A configuration value is not allowed. ``field`` is its dotted path (``optim.lr``)."""

    def __init__(self, field: str, message: str) -> None:
        field = field if len(field) <= 100 else field[:97] + "..."
        text = f"{field}: {message}" if field else message
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 3] + "..."
        super().__init__(text)
        self.field = field
        self.reason = message


_SHORT = reprlib.Repr()  # Python 3.11's Repr takes no keywords
_SHORT.maxstring = _SHORT.maxother = 100
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6
_SHORT.maxlevel = 3


def quote(value: Any) -> str:
    """``repr(value)`` cut to about 100 characters, in time and memory bounded whatever the
    value (a few hundred bytes of YAML may describe a structure too big to print)."""
    text = _SHORT.repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


class _AliasFound(Exception):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader that stops at the first alias (``*name``) it meets."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasFound
        return super().compose_node(parent, index)


def load_yaml(text: str, where: str = "") -> Any:
    """YAML text as plain data, refusing what a config never needs and an attacker would use.

    YAML anchors and aliases (``&a`` / ``*a``) are refused: nested, a 475-byte file describes
    a structure of billions of items ("billion laughs") that any message or copy of it expands.
    Text above :data:`MAX_CONFIG_CHARS` is refused before it is parsed.

    Raises:
        ConfigError: too long, or with aliases (``where`` names the file or field).
        yaml.YAMLError: the text is not YAML.
    """
    if len(text) > MAX_CONFIG_CHARS:
        raise ConfigError(where, f"is {len(text):,} characters; a config is at most 1 MB")
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader: plain data only
    except _AliasFound:
        message = "YAML aliases (*name) are not allowed in a config: write it out"
        raise ConfigError(where, message) from None
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise ConfigError(where, f"a value does not read: {str(err)[:100]}") from None


def spec(
    default: Any,
    label: str,
    help: str,
    *,
    min: float | None = None,
    max: float | None = None,
    choices: Sequence[str] | Callable[[], Sequence[str]] | None = None,
    step: float | None = None,
    log: bool = False,
    prefixes: Sequence[str] = (),
) -> Any:
    """A dataclass field with UI metadata.

    Args:
        default: the default value (a plain, immutable value).
        label: short UI label.
        help: one sentence for the tooltip.
        min, max: inclusive numeric range.
        choices: allowed strings, or a function returning them (registries, resolved lazily).
        step: the UI step for numbers.
        log: the number spans orders of magnitude (learning rates): UIs use a log scale.
        prefixes: a string starting with one of these passes the ``choices`` check too
            (``timm:<model>``); the section's own ``__post_init__`` checks the rest.
    """
    meta = {"label": label, "help": help, "min": min, "max": max, "choices": choices}
    meta.update({"step": step, "log": log, "prefixes": tuple(prefixes)})
    return field(default=default, metadata=meta)


def field_choices(f: dataclasses.Field) -> list[str] | None:
    """The allowed values of a choice field, resolving registry functions."""
    choices = f.metadata.get("choices")
    if choices is None:
        return None
    return list(choices() if callable(choices) else choices)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) >= 1 else f"{value:g}"


def _describe_allowed(f: dataclasses.Field, kind: type) -> str:
    lo, hi = f.metadata.get("min"), f.metadata.get("max")
    noun = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}[kind]
    if lo is not None and hi is not None:
        return f"{noun} from {_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f"{noun} of at least {_num(lo)}"
    if hi is not None:
        return f"{noun} of at most {_num(hi)}"
    return noun


def check_fields(obj: Any, prefix: str) -> None:
    """Validate every field of a dataclass instance against its type and metadata.

    Ints are accepted for float fields (and converted); bools are never accepted as numbers.
    """
    hints = get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        kind = hints[f.name]
        if kind not in (int, float, bool, str):
            continue
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
            object.__setattr__(obj, f.name, value)
        ok_type = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if not ok_type:
            raise ConfigError(
                path,
                f"{quote(value)} is not allowed: {_describe_allowed(f, kind)} is expected",
            )
        if kind is str and len(value) > MAX_TEXT_CHARS:
            raise ConfigError(path, f"is {len(value):,} characters long; at most {MAX_TEXT_CHARS}")
        if kind in (int, float):
            lo, hi = f.metadata.get("min"), f.metadata.get("max")
            if value != value or (lo is not None and value < lo) or (hi is not None and value > hi):
                allowed = _describe_allowed(f, kind)
                raise ConfigError(path, f"{quote(value)} is not allowed: {allowed}")
        choices = field_choices(f)
        prefixes = f.metadata.get("prefixes", ())
        if kind is str and choices is not None and value not in choices:
            if prefixes and value.startswith(prefixes):
                continue
            forms = [*choices, *(f"{prefix}<name>" for prefix in prefixes)]
            raise ConfigError(
                path, f"{quote(value)} is not one of the allowed values: {', '.join(forms)}"
            )


_NAMES: dict[str, Callable[[], Iterable[str]]] = {}
_CHECKS: dict[type, list[Callable[[Any], None]]] = {}
_LOADERS: list[Callable[[], None]] = []
_LOADING = threading.RLock()


def set_checks_loader(loader: Callable[[], None]) -> None:
    """Call ``loader`` (once) before the first registry check or name is needed; it imports
    the module that registers them. Set by the ``sslcore`` package itself."""
    _LOADERS.append(loader)


def load_checks() -> None:
    """Run the pending loader, if any. Another thread waits until it has finished; the loading
    thread itself passes (a module it imports may build a config)."""
    with _LOADING:
        while _LOADERS:
            _LOADERS.pop()()


def register_names(registry: str, names: Callable[[], Iterable[str]]) -> None:
    """Make ``names()`` the names of ``registry``, the choices of its fields."""
    _NAMES[registry] = names


def registry_names(registry: str) -> Callable[[], list[str]]:
    """Field choices that a registry above this module owns, looked up when asked."""

    def names() -> list[str]:
        load_checks()
        return list(_NAMES[registry]())

    return names


def register_check(kind: type, check: Callable[[Any], None]) -> None:
    """Make every new instance of ``kind`` pass ``check`` (which raises :class:`ConfigError`)."""
    _CHECKS.setdefault(kind, []).append(check)


def run_checks(obj: Any) -> None:
    """Run the registered checks of ``obj``'s class on ``obj``."""
    load_checks()
    for check in _CHECKS.get(type(obj), ()):
        check(obj)


class Section:
    """Mixin: validate on construction; subclasses are frozen dataclasses."""

    _prefix: str = ""

    def __post_init__(self) -> None:
        check_fields(self, self._prefix)
        run_checks(self)


@dataclass(frozen=True)
class DataConfig(Section):
    """Which images, at which size, and how they are split into train and test."""

    _prefix = "data."
    dataset: str = spec(
        "shapes",
        "Dataset",
        "Built-in: shapes, digits; torchvision: mnist, fashion_mnist, cifar10, stl10 (from a local "
        "root); stl10_unlabeled, stl10_train_unlabeled pretrain on STL-10's 100,000 unlabelled "
        "photos; your own: folder:<path> or npz:<path>; text: stdlib_docs (Python's docstrings) "
        "or text:<file or folder>.",
    )
    image_size: int = spec(
        32, "Image size", "Images are resized to this square size.", min=8, max=128, step=8
    )
    root: str = spec("", "Data root", "Folder holding torchvision datasets (mnist, cifar10, ...).")
    download: bool = spec(False, "Download", "Let torchvision download a missing dataset.")
    train_size: int = spec(
        10000,
        "Train images (shapes)",
        "How many shapes to train on.",
        min=64,
        max=200000,
        step=1000,
    )
    test_size: int = spec(
        2000, "Test images (shapes)", "How many held-out shapes.", min=64, max=50000, step=500
    )
    test_fraction: float = spec(
        0.2,
        "Test fraction",
        "Held-out share for datasets without a test split of their own.",
        min=0.05,
        max=0.5,
        step=0.05,
    )
    split_seed: int = spec(0, "Split seed", "Seed of the train/test split.", min=0, max=2**31 - 1)
    tokenizer: str = spec(
        "chars",
        "Tokenizer (text)",
        "How text datasets are cut into tokens: characters, words, or a small BPE learned "
        "from the corpus.",
        choices=("chars", "words", "bpe"),
    )
    context_length: int = spec(
        64,
        "Context length (text)",
        "Tokens per document for text datasets: longer ones are cut, shorter ones padded.",
        min=8,
        max=512,
        step=8,
    )


PRESETS = ("custom", "none", "weak", "simclr", "byol", "photo", "photo_byol", "mae")


@dataclass(frozen=True)
class AugmentConfig(Section):
    """How each image is turned into augmented views (the parameters are drawn per image)."""

    _prefix = "augment."
    preset: str = spec("simclr", "Preset", "Where these settings started from.", choices=PRESETS)
    crop_scale_min: float = spec(
        0.3,
        "Crop scale min",
        "Smallest crop, as a share of the image area (text: of the document's tokens).",
        min=0.05,
        max=1.0,
        step=0.05,
    )
    crop_scale_max: float = spec(
        1.0,
        "Crop scale max",
        "Largest crop, as a share of the image area (text: of the document's tokens).",
        min=0.05,
        max=1.0,
        step=0.05,
    )
    flip_prob: float = spec(
        0.5, "Horizontal flip", "Probability of a mirror flip.", min=0.0, max=1.0, step=0.05
    )
    rotation_degrees: float = spec(
        0.0,
        "Rotation (degrees)",
        "Rotate by a random angle in [-d, d].",
        min=0.0,
        max=180.0,
        step=5.0,
    )
    color_jitter_strength: float = spec(
        0.75,
        "Colour jitter strength",
        "Brightness, contrast and saturation change by factors in [1-0.8s, 1+0.8s].",
        min=0.0,
        max=1.0,
        step=0.05,
    )
    hue_jitter: float = spec(
        0.5,
        "Hue jitter",
        "Turn the hue by up to this share of the colour wheel (SimCLR: 0.2s; 0.5 makes every "
        "colour equally likely, so colour stops telling images apart).",
        min=0.0,
        max=0.5,
        step=0.05,
    )
    color_jitter_prob: float = spec(
        0.8, "Colour jitter prob.", "Probability of colour jitter.", min=0.0, max=1.0, step=0.05
    )
    grayscale_prob: float = spec(
        0.2, "Grayscale", "Probability of dropping colour.", min=0.0, max=1.0, step=0.05
    )
    blur_prob: float = spec(
        0.5, "Gaussian blur", "Probability of a Gaussian blur.", min=0.0, max=1.0, step=0.05
    )
    solarize_prob: float = spec(
        0.0, "Solarize", "Probability of inverting pixels above 0.5.", min=0.0, max=1.0, step=0.05
    )
    erasing_prob: float = spec(
        0.0, "Random erasing", "Probability of erasing a rectangle.", min=0.0, max=1.0, step=0.05
    )
    noise_std: float = spec(
        0.0, "Gaussian noise std", "Standard deviation of added noise.", min=0.0, max=0.5, step=0.01
    )
    asymmetric: bool = spec(
        False,
        "Asymmetric pair (BYOL)",
        "View 1 always blurred, never solarized; view 2 blurred with p=0.1, solarized with p=0.2 "
        "(no view blurred when Gaussian blur is 0).",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.crop_scale_min > self.crop_scale_max:
            raise ConfigError(
                "augment.crop_scale_min",
                f"{self.crop_scale_min:g} is larger than crop_scale_max "
                f"({self.crop_scale_max:g}): the minimum must not exceed the maximum",
            )


@dataclass(frozen=True)
class BackboneConfig(Section):
    """The network whose representation is learned."""

    _prefix = "backbone."
    name: str = spec(
        "convnet",
        "Backbone",
        "convnet is the CPU default; resnet18/34/50; "
        "vit_tiny for masked modelling; mlp for tiny images; timm:<model> for any model of "
        "timm (pip install 'ssl-lab[timm]').",
        choices=registry_names("backbones"),
        prefixes=("timm:",),
    )
    width: int = spec(
        32,
        "Width",
        "Channels of the first stage (convnet, mlp: hidden units/8).",
        min=8,
        max=256,
        step=8,
    )
    patch_size: int = spec(4, "ViT patch size", "Side of a ViT patch in pixels.", min=2, max=16)
    vit_depth: int = spec(6, "ViT depth", "Transformer blocks.", min=1, max=12)
    vit_dim: int = spec(
        192, "ViT width", "Token dimension (divisible by the heads).", min=32, max=768, step=32
    )
    vit_heads: int = spec(3, "ViT heads", "Attention heads.", min=1, max=12)
    init_from: str = spec(
        "scratch",
        "Initialise from",
        "scratch, run:<run id or run directory>, or imagenet (ResNets, from the torch cache).",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.vit_dim % self.vit_heads:
            raise ConfigError(
                "backbone.vit_dim",
                f"{self.vit_dim} is not divisible by vit_heads ({self.vit_heads})",
            )


@dataclass(frozen=True)
class ObjectiveConfig(Section):
    """The pretext objective and its own hyperparameters (see each method's ``Config``)."""

    _prefix = "objective."
    name: str = spec(
        "simclr", "Objective", "The self-supervised method.", choices=registry_names("objectives")
    )
    params: Mapping[str, Any] = field(default_factory=dict)

    def method_config(self) -> Any:
        """The objective's own frozen ``Config``, built from ``params`` and validated by the
        objective registry's check (:func:`sslcore.validate.check_method_params`), which also
        fills ``params`` with every hyperparameter, defaults included."""
        return self.__dict__["_method_config"]


@dataclass(frozen=True)
class OptimConfig(Section):
    """Optimizer, schedule, batch and numeric precision."""

    _prefix = "optim."
    optimizer: str = spec(
        "adamw",
        "Optimizer",
        "AdamW, SGD with momentum, or LARS (large batches).",
        choices=("adamw", "sgd", "lars"),
    )
    lr: float = spec(
        2e-3, "Learning rate", "Peak learning rate after warm-up.", min=1e-6, max=1e7, log=True
    )
    weight_decay: float = spec(
        1e-4, "Weight decay", "Decoupled (AdamW) or L2 (SGD, LARS).", min=0.0, max=1.0, log=True
    )
    momentum: float = spec(0.9, "Momentum", "SGD and LARS momentum.", min=0.0, max=0.999)
    steps: int = spec(
        300,
        "Steps",
        "Training steps (batches); 300 of 128 take ~2 min on 2 CPU cores.",
        min=1,
        max=1_000_000,
    )
    warmup_steps: int = spec(
        30, "Warm-up steps", "Linear warm-up before the cosine decay.", min=0, max=100_000
    )
    batch_size: int = spec(
        128, "Batch size", "Images per step (each gives n views).", min=2, max=4096
    )
    grad_clip: float = spec(
        0.0, "Gradient clip", "Max gradient norm; 0 turns it off.", min=0.0, max=1000.0
    )
    precision: str = spec(
        "auto",
        "Precision",
        "auto: bf16 where the CPU/GPU supports it, else fp32.",
        choices=("auto", "fp32", "bf16", "fp16"),
    )
    channels_last: bool = spec(True, "channels_last", "Memory layout that speeds CNNs up.")
    compile: bool = spec(False, "torch.compile", "Compile the model (CUDA).")
    sync_batchnorm: bool = spec(
        False,
        "SyncBatchNorm (multi-GPU)",
        "Under torchrun on GPUs: BatchNorm statistics over the global batch, not each GPU's.",
    )


@dataclass(frozen=True)
class MonitorConfig(Section):
    """What the trainer records while it trains, and how often."""

    _prefix = "monitor."
    log_every: int = spec(10, "Log every", "Steps between metric lines.", min=1, max=10000)
    eval_every: int = spec(
        50, "Monitor every", "Steps between kNN/embedding/snapshot records.", min=1, max=100000
    )
    checkpoint_every: int = spec(
        200, "Checkpoint every", "Steps between checkpoints.", min=1, max=1_000_000
    )
    probe_size: int = spec(
        1000, "Probe images", "Held-out images embedded for kNN and the map.", min=32, max=5000
    )
    knn_k: int = spec(20, "kNN k", "Neighbours that vote.", min=1, max=500)
    knn_temperature: float = spec(
        0.1, "kNN temperature", "Vote weight exp(sim / t).", min=0.01, max=10.0
    )
    tensorboard: bool = spec(
        False,
        "TensorBoard",
        "Also write the metrics as TensorBoard scalars into the run's folder (tensorboard "
        "--logdir runs); needs pip install 'ssl-lab[tensorboard]'.",
    )


@dataclass(frozen=True)
class RunConfig(Section):
    """Everything needed to reproduce a run."""

    data: DataConfig = field(default_factory=DataConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    monitor: MonitorConfig = field(default_factory=MonitorConfig)
    seed: int = spec(
        0, "Seed", "Seeds the weights, the batches and the augmentations.", min=0, max=2**31 - 1
    )
    device: str = spec(
        "auto",
        "Device",
        "auto picks cuda, then mps, then cpu.",
        choices=("auto", "cpu", "cuda", "mps"),
    )
    num_threads: int = spec(
        0, "CPU threads", "Threads for this run; 0 uses all cores.", min=0, max=256
    )
    name: str = spec("", "Name", "A label for the run (letters, digits, - and _).")


SECTIONS = {
    "data": DataConfig,
    "augment": AugmentConfig,
    "backbone": BackboneConfig,
    "objective": ObjectiveConfig,
    "optim": OptimConfig,
    "monitor": MonitorConfig,
}


def from_dict(cls: type[T], data: Mapping[str, Any], prefix: str = "") -> T:
    """Build dataclass ``cls`` from a plain mapping; unknown keys are a :class:`ConfigError`."""
    if not isinstance(data, Mapping):
        raise ConfigError(prefix.rstrip("."), f"expected a mapping, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(str(key) for key in set(data) - names)  # keys from YAML may be numbers
    if unknown:
        raise ConfigError(
            f"{prefix}{unknown[0]}",
            f"unknown field; known fields: {', '.join(sorted(names))}",
        )
    kwargs: dict[str, Any] = {}
    hints = get_type_hints(cls)
    for key, value in data.items():
        kind = hints[key]
        if dataclasses.is_dataclass(kind) and isinstance(kind, type):
            kwargs[key] = from_dict(kind, value, prefix=f"{prefix}{key}.")
        else:
            kwargs[key] = value
    return cls(**kwargs)


def to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready dict of a config dataclass."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def load_config(path: str | Path) -> RunConfig:
    """Read a RunConfig from a .json or .yaml file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError("", f"cannot read config file {path}: {err.strerror}") from None
    try:
        if len(text) > MAX_CONFIG_CHARS:
            raise ConfigError("", f"{path} is {len(text):,} characters; a config is at most 1 MB")
        data = load_yaml(text, str(path)) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        raise ConfigError("", f"{path} is not valid {path.suffix[1:].upper()}: {err}") from None
    return from_dict(RunConfig, data or {})


def save_config(config: RunConfig, path: str | Path) -> None:
    """Write a RunConfig as JSON or YAML (by suffix)."""
    path = Path(path)
    data = to_dict(config)
    text = (
        yaml.safe_dump(data, sort_keys=False)
        if path.suffix in (".yaml", ".yml")
        else (json.dumps(data, indent=2))
    )
    path.write_text(text)


def replace(config: RunConfig, **changes: Any) -> RunConfig:
    """A copy of ``config`` with dotted-path changes, e.g. ``replace(c, **{"optim.lr": 1e-3})``."""
    data = to_dict(config)
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split(".")
        for depth, key in enumerate(parents):
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                section = ".".join(parents[: depth + 1])
                raise ConfigError(section, f"is a value, not a section: {dotted!r} cannot be set")
        node[leaf] = value
    return from_dict(RunConfig, data)
