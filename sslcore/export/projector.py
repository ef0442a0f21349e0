"""A run's latest embeddings laid out for TensorBoard's Embedding Projector.

The projector reads a log directory holding ``projector_config.pbtxt``, which names

- ``tensors.tsv``: one row per point, its features as tab-separated floats (N rows, D columns);
- ``metadata.tsv``: a header row, then one row per point in the same order (the projector
  treats the first row as a header whenever there are two or more columns, so there always
  are: the probe image id, the label's name, each generative factor, a text run's document);
- ``sprite.png``: the images as one square grid, ceil(sqrt(N)) thumbnails a side, filled row
  by row, at most 8192 pixels a side (the projector's limit), which ``single_image_dim`` sizes.

``tensorboard --logdir DIR`` then shows the points under the Projector tab, coloured and
labelled by any metadata column, with the thumbnails as points.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from sslcore.config import DataConfig, from_dict
from sslcore.data import load_dataset
from sslcore.store import RunStore, atomic_open

MAX_SPRITE_SIDE = 8192  # pixels: the largest sprite the projector accepts
TEXT_CHARS = 200  # a text run's documents are cut to this in the metadata


def value_names(data_config: dict[str, Any]) -> dict[str, list[str]]:
    """Names of the label classes and of each categorical factor's values, by column name.

    Read from the dataset's test split, as the dashboard's map does; an empty dict when the
    data cannot be loaded here (then labels and factors stay numbers).
    """
    try:
        dataset = load_dataset(from_dict(DataConfig, data_config), "test")
    except (OSError, ValueError, RuntimeError):
        return {}
    return {"label": list(dataset.classes), **dataset.factor_classes}


def _cell(value: Any, names: list[str]) -> str:
    """One metadata cell: a category's name, else the number; tabs and newlines would split it."""
    if isinstance(value, (np.integer, int)) and 0 <= value < len(names):
        text = names[value]
    elif isinstance(value, (np.floating, float)):
        text = f"{value:.4g}"
    else:
        text = str(value)
    return " ".join(text.split())[:TEXT_CHARS]


def metadata_table(data: dict[str, np.ndarray], names: dict[str, list[str]]) -> list[list[str]]:
    """The metadata rows, header first: id, label, each factor, a text run's document."""
    n = len(data["features"])
    columns = {"id": data.get("ids", np.arange(n))}
    if "labels" in data:
        columns["label"] = data["labels"]
    for key in sorted(k for k in data if k.startswith("factor_")):
        columns[key.removeprefix("factor_")] = data[key]
    if "texts" in data:
        columns["text"] = data["texts"]
    rows = [list(columns)]
    for i in range(n):
        rows.append([_cell(values[i], names.get(name, [])) for name, values in columns.items()])
    return rows


def sprite(images: np.ndarray) -> tuple[Image.Image, int]:
    """(N, H, W, C) uint8 square images -> the sprite and its thumbnails' side in pixels.

    Thumbnails keep the images' size unless the grid would pass 8192 pixels; then they shrink.
    """
    n, size = images.shape[0], images.shape[1]
    grid = math.ceil(math.sqrt(n))
    thumb = min(size, MAX_SPRITE_SIDE // grid)
    grey = images.shape[-1] == 1
    canvas = Image.new("L" if grey else "RGB", (grid * thumb, grid * thumb))
    for i, pixels in enumerate(images):
        tile = Image.fromarray(pixels[..., 0] if grey else pixels)
        if thumb != size:
            tile = tile.resize((thumb, thumb), Image.Resampling.BILINEAR)
        canvas.paste(tile, ((i % grid) * thumb, (i // grid) * thumb))
    return canvas, thumb


def projector_config(thumb: int | None) -> str:
    """The ``projector_config.pbtxt`` text (a ``ProjectorConfig`` protobuf in text format)."""
    sprite_entry = (
        f'  sprite {{\n    image_path: "sprite.png"\n'
        f"    single_image_dim: {thumb}\n    single_image_dim: {thumb}\n  }}\n"
        if thumb
        else ""
    )
    return (
        'embeddings {\n  tensor_name: "features"\n  tensor_path: "tensors.tsv"\n'
        f'  metadata_path: "metadata.tsv"\n{sprite_entry}}}\n'
    )


def write_projector(run_dir: str | Path, out_dir: Path) -> list[Path]:
    """Write the projector files of the run's latest embeddings into ``out_dir``.

    Returns the files written (no sprite for a text run). Raises FileNotFoundError when the run
    has recorded no embeddings yet.
    """
    store = RunStore(Path(run_dir))
    data = store.load_embeddings()
    if data is None:
        raise FileNotFoundError(
            f"{run_dir} has no embeddings yet: they are recorded at each monitor step "
            "(monitor.eval_every) of a run"
        )
    features = np.asarray(data["features"], dtype=np.float32)  # (N, D)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with atomic_open(out_dir / "tensors.tsv", "w") as handle:
        np.savetxt(handle, features, fmt="%.7g", delimiter="\t")
    written.append(out_dir / "tensors.tsv")
    table = metadata_table(data, value_names(store.readable_config()["data"]))
    with atomic_open(out_dir / "metadata.tsv", "w") as handle:
        handle.write("".join("\t".join(row) + "\n" for row in table))
    written.append(out_dir / "metadata.tsv")
    thumb = None
    images = data.get("images")
    if images is not None and len(images) == len(features):  # text runs have no images
        picture, thumb = sprite(np.asarray(images))
        with atomic_open(out_dir / "sprite.png", "wb") as handle:
            picture.save(handle, format="PNG")
        written.append(out_dir / "sprite.png")
    with atomic_open(out_dir / "projector_config.pbtxt", "w") as handle:
        handle.write(projector_config(thumb))
    written.append(out_dir / "projector_config.pbtxt")
    return written
