"""A trained backbone as a state dict that a stock torchvision model loads with ``strict=True``.

The lab's ResNets *are* torchvision ResNets with two changes for small images (a 3x3 stride-1
``conv1`` and no max-pool, see :mod:`sslcore.backbones.resnet`) and no classifier, held under
``net.``; the lab's ViT is torchvision's ``VisionTransformer`` (the same ``EncoderBlock``, the
class token and its position embedding added before the blocks, a final LayerNorm with
eps 1e-6) under other names. So the export renames keys, and the user rebuilds the model with
a few lines, which :func:`loading_code` writes out for each run::

    import torch, torchvision
    from torch import nn

    m = torchvision.models.resnet18()
    m.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)  # the small-image stem
    m.maxpool = nn.Identity()
    m.fc = nn.Identity()  # the representation h, 512 numbers per image
    m.load_state_dict(torch.load("backbone-torchvision.pt"))
    m.eval()

Input scaling: the lab feeds its backbones images in [0, 1] and each backbone maps them to
[-1, 1] itself (:func:`sslcore.backbones.base.to_signed`, x * 2 - 1). A torchvision model does
not, so the same features need ``Normalize(mean=0.5, std=0.5)`` per channel after ``ToTensor()``:
(x - 0.5) / 0.5 = 2x - 1. The images are squares of the run's ``data.image_size``; the lab
centre-crops non-square images and resizes them bilinearly with antialiasing.

The convnet, the MLP and the text transformer have no torchvision counterpart: they export as
safetensors and load with :func:`sslcore.load_backbone`.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from sslcore.config import RunConfig

MEAN, STD = 0.5, 0.5  # per channel: (x - 0.5) / 0.5 is the lab's to_signed, [0, 1] -> [-1, 1]
RESNETS = ("resnet18", "resnet34", "resnet50")
SUPPORTED = (*RESNETS, "vit_tiny")
WEIGHTS_FILE = "backbone-torchvision.pt"


class UnsupportedExport(ValueError):
    """The run's backbone has no torchvision counterpart."""


def check_supported(backbone: str) -> None:
    """Raise UnsupportedExport, naming what is supported, unless torchvision has ``backbone``."""
    if backbone not in SUPPORTED:
        raise UnsupportedExport(
            f"--format torchvision supports {', '.join(SUPPORTED)}, not {backbone} (no torchvision "
            "model matches it): use --format safetensors and sslcore.load_backbone(run) instead"
        )


def _resnet_key(key: str) -> str:
    return key.removeprefix("net.")


def _vit_key(key: str) -> str:
    """The lab ViT's parameter names -> torchvision's ``VisionTransformer`` names."""
    if key.startswith("blocks."):
        index, rest = key.removeprefix("blocks.").split(".", 1)
        return f"encoder.layers.encoder_layer_{index}.{rest}"
    renamed = {"patch_embed.": "conv_proj.", "pos_embedding": "encoder.pos_embedding",
               "norm.": "encoder.ln."}  # fmt: skip
    for old, new in renamed.items():
        if key.startswith(old):
            return new + key.removeprefix(old)
    return key  # class_token has the same name in both


def torchvision_state_dict(backbone: str, state: dict[str, Tensor]) -> dict[str, Tensor]:
    """The lab backbone's state dict renamed for the torchvision model of :func:`loading_code`.

    Args:
        backbone: the registry name (``resnet18``, ``resnet34``, ``resnet50`` or ``vit_tiny``).
        state: the lab backbone's ``state_dict()``.
    """
    check_supported(backbone)
    rename: Callable[[str], str] = _resnet_key if backbone in RESNETS else _vit_key
    return {rename(k): v.contiguous() for k, v in state.items()}


def loading_code(config: RunConfig, channels: int, weights_file: str = WEIGHTS_FILE) -> str:
    """The Python lines that build the matching torchvision model and load the exported file.

    Args:
        config: the run's config (backbone name and ViT sizes, image size).
        channels: the images' channels (1 grey, 3 RGB).
        weights_file: where the exported state dict lies.
    """
    b = config.backbone
    check_supported(b.name)
    if b.name in RESNETS:
        build = [
            f"m = torchvision.models.{b.name}()",
            f"m.conv1 = nn.Conv2d({channels}, 64, 3, 1, 1, bias=False)  # the small-image stem",
            "m.maxpool = nn.Identity()",
            "m.fc = nn.Identity()  # the representation h",
        ]
    else:
        size = config.data.image_size
        build = [
            "m = torchvision.models.VisionTransformer(",
            f"    image_size={size}, patch_size={b.patch_size}, num_layers={b.vit_depth},",
            f"    num_heads={b.vit_heads}, hidden_dim={b.vit_dim}, mlp_dim={4 * b.vit_dim},",
            ")",
            "m.heads = nn.Identity()  # the class token is the representation h",
        ]
        if channels != 3:  # torchvision's patch embedding is built for RGB
            build.append(
                f"m.conv_proj = nn.Conv2d({channels}, {b.vit_dim}, {b.patch_size}, {b.patch_size})"
            )
    lines = [
        "import torch",
        "import torchvision",
        "from torch import nn",
        "from torchvision.transforms import v2",
        "",
        *build,
        f'm.load_state_dict(torch.load("{weights_file}"))',
        "m.eval()",
        f"# Images: {channels}-channel {config.data.image_size}x{config.data.image_size} "
        "squares, scaled to [0, 1], then normalised",
        "preprocess = v2.Compose([",
        "    v2.ToImage(),",
        f"    v2.Resize({config.data.image_size}),",
        f"    v2.CenterCrop({config.data.image_size}),",
        "    v2.ToDtype(torch.float32, scale=True),",
        f"    v2.Normalize(mean=[{MEAN}] * {channels}, std=[{STD}] * {channels}),",
        "])",
    ]
    return "\n".join(lines) + "\n"
