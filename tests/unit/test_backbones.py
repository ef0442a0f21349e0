"""Every registered backbone: shapes, channels, sizes, memory formats, bf16, gradients, sizes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import torch
from torch import nn

from sslcore.backbones import (
    BACKBONES,
    SIZE_RULES,
    build_backbone,
    check_image_size,
    describe_backbones,
)
from sslcore.backbones.base import Backbone, to_signed
from sslcore.backbones.vit import VisionTransformer, sincos_position_embedding
from sslcore.config import BackboneConfig, ConfigError
from sslcore.data.modality import TEXT_BACKBONES

# Narrow settings keep every test to a fraction of a second on a shared CPU.
# The image backbones; text_transformer takes token ids and is tested in test_text_objectives.py.
IMAGE_BACKBONES = [name for name in BACKBONES if name not in TEXT_BACKBONES]
SMALL = {"width": 8, "vit_dim": 32, "vit_depth": 2, "vit_heads": 2, "patch_size": 4}


def small_config(name: str, **changes: int) -> BackboneConfig:
    return BackboneConfig(name=name, **{**SMALL, **changes})


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def images(batch: int, channels: int, size: int) -> torch.Tensor:
    return torch.rand(batch, channels, size, size, generator=torch.Generator().manual_seed(0))


def assert_gradients_reach_every_parameter(model: nn.Module) -> None:
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, f"no gradient reached {name}"
        assert torch.isfinite(parameter.grad).all(), f"non-finite gradient in {name}"
    total = sum(float(p.grad.abs().sum()) for p in model.parameters() if p.grad is not None)
    assert total > 0


@pytest.mark.parametrize(("channels", "size"), [(1, 32), (3, 32), (3, 16)])
@pytest.mark.parametrize("name", IMAGE_BACKBONES)
def test_builds_runs_and_trains(name: str, channels: int, size: int) -> None:
    torch.manual_seed(0)
    model = build_backbone(small_config(name), channels, size)
    assert isinstance(model, Backbone)
    assert model.name == name
    h = model(images(2, channels, size))
    assert h.shape == (2, model.out_dim)
    assert torch.isfinite(h).all()
    h.square().mean().backward()
    assert_gradients_reach_every_parameter(model)


@pytest.mark.parametrize("name", IMAGE_BACKBONES)
def test_channels_last_gives_the_same_features(name: str) -> None:
    torch.manual_seed(0)
    model = build_backbone(small_config(name), 3, 32).eval()
    x = images(4, 3, 32)
    with torch.no_grad():
        expected = model(x)
        model = model.to(memory_format=torch.channels_last)
        got = model(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", IMAGE_BACKBONES)
def test_trains_under_bf16_autocast_and_channels_last(name: str) -> None:
    # 16 pixels, 2 images: CPUs without avx512_bf16 emulate bf16 and run it ~10x slower.
    torch.manual_seed(0)
    model = build_backbone(small_config(name), 3, 16).to(memory_format=torch.channels_last)
    x = images(2, 3, 16).contiguous(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = model(x)
    assert h.shape == (2, model.out_dim)
    assert torch.isfinite(h.float()).all()
    h.float().square().mean().backward()
    assert_gradients_reach_every_parameter(model)


@pytest.mark.parametrize("name", IMAGE_BACKBONES)
def test_first_layer_sees_images_rescaled_to_minus_one_one(name: str) -> None:
    model = build_backbone(small_config(name), 3, 32).eval()
    first = next(m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear))
    seen: list[torch.Tensor] = []
    first.register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0]))
    x = torch.zeros(2, 3, 32, 32)
    x[0] = 1.0
    with torch.no_grad():
        model(x)
    assert float(seen[0].min()) == -1.0 and float(seen[0].max()) == 1.0


def test_to_signed_maps_unit_interval() -> None:
    x = torch.tensor([0.0, 0.25, 0.5, 1.0])
    torch.testing.assert_close(to_signed(x), torch.tensor([-1.0, -0.5, 0.0, 1.0]))


def test_feature_sizes_follow_the_config() -> None:
    expected = {"convnet": 8 * 16, "resnet18": 512, "resnet34": 512, "resnet50": 2048}
    expected |= {"vit_tiny": 64, "mlp": 8 * 16}
    for name, out_dim in expected.items():
        config = BackboneConfig(name=name, width=16, vit_dim=64, vit_depth=1, vit_heads=2)
        assert build_backbone(config, 3, 32).out_dim == out_dim, name


def test_every_backbone_has_a_size_rule() -> None:
    assert set(SIZE_RULES) == set(BACKBONES)


@pytest.mark.parametrize(
    ("name", "changes", "size", "needs"),
    [
        ("vit_tiny", {}, 30, "a multiple of 4, at least 8"),
        ("vit_tiny", {"patch_size": 8}, 8, "a multiple of 8, at least 16"),
        ("resnet18", {}, 8, "at least 16"),
        ("resnet50", {}, 12, "at least 16"),
        ("convnet", {}, 4, "at least 8"),
        ("mlp", {}, 6, "at least 8"),
    ],
)
def test_check_image_size_says_what_is_allowed(
    name: str, changes: dict[str, int], size: int, needs: str
) -> None:
    config = small_config(name, **changes)
    with pytest.raises(ConfigError) as caught:
        check_image_size(config, size)
    assert caught.value.field == "data.image_size"
    assert f"{size} does not suit {name}" in str(caught.value)
    assert needs in str(caught.value)
    with pytest.raises(ConfigError):
        build_backbone(config, 3, size)


@pytest.mark.parametrize(("name", "size"), [("convnet", 8), ("resnet18", 16), ("vit_tiny", 8)])
def test_smallest_allowed_size_works(name: str, size: int) -> None:
    check_image_size(small_config(name), size)
    model = build_backbone(small_config(name), 3, size)
    assert model(images(2, 3, size)).shape == (2, model.out_dim)


def test_vit_width_must_suit_the_position_code() -> None:
    config = BackboneConfig(name="vit_tiny", vit_dim=42, vit_heads=3)
    with pytest.raises(ConfigError) as caught:
        build_backbone(config, 3, 32)
    assert caught.value.field == "backbone.vit_dim"


def test_channels_must_be_positive() -> None:
    with pytest.raises(ValueError, match="channels must be at least 1"):
        build_backbone(small_config("convnet"), 0, 32)


@pytest.mark.parametrize("name", ["vit_tiny", "mlp"])
def test_fixed_size_backbones_reject_other_sizes_clearly(name: str) -> None:
    model = build_backbone(small_config(name), 3, 32)
    with pytest.raises(ValueError, match=r"built for \(B, C, 32, 32\) images"):
        model(images(2, 3, 16))


def vit(channels: int = 3, size: int = 32) -> VisionTransformer:
    torch.manual_seed(0)
    model = build_backbone(small_config("vit_tiny"), channels, size)
    assert isinstance(model, VisionTransformer)
    return model.eval()


def test_vit_exposes_what_masked_modelling_needs() -> None:
    model = vit(channels=1)
    assert (model.patch_size, model.num_patches, model.dim, model.in_channels) == (4, 64, 32, 1)
    assert model.out_dim == model.dim


def test_vit_tokens_and_transform_on_a_random_subset() -> None:
    model = vit()
    x = images(3, 3, 32)
    tokens = model.tokens(x)
    assert tokens.shape == (3, 64, 32)
    keep = torch.rand(3, 64).argsort(dim=1)[:, :16]  # a different 25% of patches per image
    visible = torch.gather(tokens, 1, keep.unsqueeze(-1).expand(-1, -1, 32))  # (3, 16, 32)
    encoded = model.transform(visible)
    assert encoded.shape == (3, 17, 32)
    assert torch.isfinite(encoded).all()


def test_vit_forward_is_the_class_token_of_all_patches() -> None:
    model = vit()
    x = images(2, 3, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model.transform(model.tokens(x))[:, 0])


def test_vit_transform_is_order_free_so_positions_live_in_the_tokens() -> None:
    # Shuffling the visible tokens only shuffles the outputs: every position is carried by the
    # token itself, which is what lets MAE drop and reorder patches freely.
    model = vit()
    with torch.no_grad():
        tokens = model.tokens(images(2, 3, 32))
        order = torch.randperm(64)
        plain = model.transform(tokens)
        shuffled = model.transform(tokens[:, order])
    torch.testing.assert_close(shuffled[:, 0], plain[:, 0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(shuffled[:, 1:], plain[:, 1:][:, order], rtol=1e-4, atol=1e-5)


def test_vit_patches_are_numbered_row_by_row() -> None:
    model = vit()
    x = torch.zeros(1, 3, 32, 32)
    x[:, :, 0:4, 4:8] = 1.0  # row 0, column 1 of the 8x8 grid: patch 1
    with torch.no_grad():
        changed = (model.tokens(x) - model.tokens(torch.zeros_like(x))).abs().sum(dim=-1)[0]
    assert changed.nonzero().flatten().tolist() == [1]


def test_sincos_position_embedding_gives_each_patch_its_own_code() -> None:
    codes = sincos_position_embedding(grid=8, dim=32)
    assert codes.shape == (64, 32)
    assert torch.cdist(codes, codes).add(torch.eye(64)).min() > 0.1
    # Neighbours are closer than far-apart patches.
    assert torch.dist(codes[0], codes[1]) < torch.dist(codes[0], codes[63])


def test_describe_backbones_matches_the_models() -> None:
    rows = {row["name"]: row for row in describe_backbones()}
    assert list(rows) == list(BACKBONES)
    out_dims = {"convnet": 256, "resnet18": 512, "resnet34": 512, "resnet50": 2048}
    assert {name: rows[name]["out_dim"] for name in out_dims} == out_dims
    for name in ("convnet", "vit_tiny", "mlp"):  # the ResNets are too slow to build twice
        model = build_backbone(dataclasses.replace(BackboneConfig(), name=name), 3, 32)
        assert rows[name]["params"] == sum(p.numel() for p in model.parameters())
        assert rows[name]["out_dim"] == model.out_dim
    for row in rows.values():
        assert row["params"] > 0 and row["description"]
        assert row["image_sizes"].startswith(("at least", "a multiple"))


def test_backbones_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from sslcore.cli import main

    assert main(["backbones", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in listed] == list(BACKBONES)
    assert {"name", "description", "params", "out_dim", "image_sizes"} <= set(listed[0])


def test_backbones_command_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    from sslcore.cli import main

    assert main(["backbones"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["name", "params", "out_dim", "image", "size"]
    for name in BACKBONES:
        assert f"\n{name} " in out
