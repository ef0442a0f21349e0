"""torchvision's ImageNet weights from the local torch hub cache (downloaded only when allowed).

torchvision keeps downloaded weights in ``torch.hub.get_dir()/checkpoints/<file>``, e.g.
``~/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth`` (``$TORCH_HOME`` moves the cache). The
lab reads that file with ``torch.load(weights_only=True)``; it downloads it only when the run
allows downloads (``data.download``), and otherwise says where the file is expected and how to
get it.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.models import ResNet18_Weights, ResNet34_Weights, ResNet50_Weights

from sslcore.transfer.init_source import IMAGENET_BACKBONES

# The first ImageNet-1k weights torchvision published for each net (76.1% / 73.3% / 69.8% top-1
# for ResNet-50 / 34 / 18): the classic supervised baselines SSL papers compare against.
IMAGENET_URLS = {
    "resnet18": ResNet18_Weights.IMAGENET1K_V1.url,
    "resnet34": ResNet34_Weights.IMAGENET1K_V1.url,
    "resnet50": ResNet50_Weights.IMAGENET1K_V1.url,
}
assert tuple(IMAGENET_URLS) == IMAGENET_BACKBONES


class MissingWeightsError(FileNotFoundError):
    """ImageNet weights are not in the local cache and downloading was not allowed."""


def imagenet_weights_path(backbone: str) -> Path:
    """Where torchvision caches ``backbone``'s ImageNet weights (the file may not exist)."""
    if backbone not in IMAGENET_URLS:
        raise ValueError(
            f"no ImageNet weights for {backbone!r}: only {', '.join(IMAGENET_BACKBONES)}"
        )
    name = IMAGENET_URLS[backbone].rsplit("/", 1)[1]
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def imagenet_weights_available(backbone: str) -> bool:
    """Whether the ImageNet weights of ``backbone`` are in the local cache."""
    return backbone in IMAGENET_URLS and imagenet_weights_path(backbone).is_file()


def load_imagenet_state(
    backbone: str, download: bool = False
) -> tuple[dict[str, torch.Tensor], Path]:
    """The torchvision ImageNet state dict of ``backbone`` and the file it came from.

    Args:
        backbone: resnet18, resnet34 or resnet50.
        download: fetch the file into the cache when it is missing (needs internet).

    Raises:
        MissingWeightsError: the file is missing and ``download`` is off.
    """
    path = imagenet_weights_path(backbone)
    url = IMAGENET_URLS[backbone]
    if not path.is_file():
        if not download:
            raise MissingWeightsError(
                f"ImageNet weights for {backbone} are not in the local torch cache: expected "
                f"{path}. Get them by downloading {url} into that folder on a machine with "
                f'internet (or run `python -c "import torchvision; torchvision.models.{backbone}'
                "(weights='IMAGENET1K_V1')\"` there), point TORCH_HOME at a cache that holds "
                "them, or set data.download = true to let the lab download them."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        # torchvision names its files <model>-<first hex digits of the SHA-256>.pth.
        hash_prefix = path.stem.rsplit("-", 1)[1]
        torch.hub.download_url_to_file(url, str(path), hash_prefix=hash_prefix, progress=False)
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict")
    return state, path
