"""The class token's attention maps of a ViT, and the overlay that draws them."""

from __future__ import annotations

import math

import torch

from sslcore.backbones.vit import VisionTransformer
from sslcore.train.attention import (
    INFERNO,
    attention_entropy,
    attention_visual,
    colormap,
    overlay,
)


def small_vit(heads: int = 3, depth: int = 2) -> VisionTransformer:
    torch.manual_seed(0)
    return VisionTransformer(3, 16, 4, 24, depth, heads).eval()


def test_the_maps_are_the_last_blocks_class_token_attention_renormalised_over_patches():
    vit = small_vit()
    x = torch.rand(2, 3, 16, 16)
    maps = vit.attention_maps(x)
    assert maps.shape == (2, 3, 4, 4)
    # By hand: q and k of the last block from its ln_1 input, softmax over all 1 + N keys.
    sequence = vit.with_class_token(vit.tokens(x))
    for block in list(vit.blocks)[:-1]:
        sequence = block(sequence)
    last = vit.blocks[-1]
    normed = last.ln_1(sequence)  # (B, 1 + N, D)
    attention = last.self_attention
    q, k, _ = torch.nn.functional.linear(
        normed, attention.in_proj_weight, attention.in_proj_bias
    ).chunk(3, dim=-1)
    d_head = 24 // 3
    q = q.reshape(2, 17, 3, d_head).transpose(1, 2)  # (B, heads, 1 + N, d_head)
    k = k.reshape(2, 17, 3, d_head).transpose(1, 2)
    scores = q[:, :, :1] @ k.transpose(-1, -2) / math.sqrt(d_head)  # (B, heads, 1, 1 + N)
    by_hand = torch.softmax(scores, dim=-1)[:, :, 0, 1:]  # (B, heads, N): patches only
    by_hand = by_hand / by_hand.sum(-1, keepdim=True)
    torch.testing.assert_close(maps.flatten(2), by_hand, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(maps.sum(dim=(2, 3)), torch.ones(2, 3))


def test_a_one_block_vit_has_maps_too():
    maps = small_vit(heads=2, depth=1).attention_maps(torch.rand(1, 3, 16, 16))
    assert maps.shape == (1, 2, 4, 4)
    torch.testing.assert_close(maps.sum(dim=(2, 3)), torch.ones(1, 2))


def test_reading_the_maps_leaves_the_forward_pass_unchanged():
    vit = small_vit()
    x = torch.rand(2, 3, 16, 16)
    before = vit(x)
    vit.attention_maps(x)
    torch.testing.assert_close(vit(x), before, atol=0, rtol=0)
    # ... and the forward is still the blocks' own (the refactored class-token prepending).
    sequence = torch.cat(
        [(vit.class_token + vit.pos_embedding[:, :1]).expand(2, -1, -1), vit.tokens(x)], dim=1
    )
    torch.testing.assert_close(vit.norm(vit.blocks(sequence))[:, 0], before)


def test_the_colormap_runs_from_black_to_pale_yellow_through_its_anchors():
    ends = colormap(torch.tensor([0.0, 1.0]))
    torch.testing.assert_close(ends, INFERNO[[0, -1]])
    third = colormap(torch.tensor(1 / 9))  # exactly the second anchor
    torch.testing.assert_close(third, INFERNO[1])
    brightness = colormap(torch.linspace(0, 1, 50)).sum(-1)
    assert (brightness.diff() > 0).all()  # perceptual: brighter means more


def test_the_overlay_blends_the_brightest_colour_where_the_map_peaks():
    images = torch.full((1, 1, 8, 8), 0.5)  # a grey image (one channel)
    peak = torch.zeros(1, 2, 2)
    peak[0, 0, 0] = 1.0  # all attention on the top-left patch
    out = overlay(images, peak, alpha=0.6)
    assert out.shape == (1, 3, 8, 8)
    torch.testing.assert_close(out[0, :, 0, 0], 0.4 * 0.5 + 0.6 * INFERNO[-1])
    torch.testing.assert_close(out[0, :, 7, 7], 0.4 * 0.5 + 0.6 * INFERNO[0])
    even = overlay(images, torch.ones(1, 2, 2))  # an even spread is bright everywhere
    torch.testing.assert_close(
        even, (0.4 * 0.5 + 0.6 * INFERNO[-1]).view(1, 3, 1, 1).expand(1, 3, 8, 8)
    )


def test_the_visual_is_a_row_per_image_with_its_columns_captioned():
    images = torch.rand(2, 3, 16, 16)
    maps = torch.softmax(torch.randn(2, 8, 4, 4).flatten(2), -1).view(2, 8, 4, 4)
    visual = attention_visual(images, maps)
    columns = ["image", "mean of 8 heads", *(f"head {k}" for k in range(1, 7))]  # 6 heads shown
    assert visual.captions == columns * 2
    assert visual.images.shape == (2 * 8, 3, 16, 16)
    torch.testing.assert_close(visual.images[8], images[1])
    torch.testing.assert_close(visual.images[1], overlay(images[:1], maps[:1].mean(1))[0])


def test_entropy_is_log_patches_for_an_even_spread_and_zero_for_one_patch():
    even = torch.full((1, 4, 4), 1 / 16)
    assert math.isclose(attention_entropy(even), math.log(16), rel_tol=1e-6)
    one = torch.zeros(1, 4, 4)
    one[0, 2, 1] = 1
    assert attention_entropy(one) == 0
