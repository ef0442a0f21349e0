"""Random resized crop, horizontal flip and rotation, as one affine warp per image.

Each image gets its own crop box, flip and angle. They are composed into one 2x3 matrix per
image that maps output pixel positions to input positions, and a single ``F.affine_grid`` +
``F.grid_sample`` call resamples the whole batch (bilinear; the corners a rotation uncovers are
0, as torchvision's ``RandomRotation`` fills them). Without rotation the same map is separable and
runs as two batched matrix products instead (:func:`crop_and_flip`), several times faster on a CPU.

The crop follows torchvision's ``RandomResizedCrop``: up to 10 tries of an area share drawn
uniformly from ``[scale_min, scale_max]`` and an aspect ratio drawn log-uniformly from
``[3/4, 4/3]``; the first box that fits the image wins, otherwise the central crop (the whole
image when its own aspect ratio is in range). One difference: box sizes and positions stay
continuous (sub-pixel) instead of being rounded to whole pixels, which the affine warp allows.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from sslcore.augment.draws import coin, uniform

ASPECT_RATIO = (3 / 4, 4 / 3)
CROP_TRIES = 10


def sample_crop_boxes(
    generator: torch.Generator, n: int, height: int, width: int, scale: tuple[float, float]
) -> Tensor:
    """Crop boxes with torchvision's ``RandomResizedCrop`` rule, one per image.

    Returns:
        (n, 4) boxes ``(centre_x, centre_y, box_width, box_height)`` in pixels, centres measured
        from the image centre; on the generator's device.
    """
    area = height * width
    share = uniform(generator, (n, CROP_TRIES), *scale)
    log_lo, log_hi = math.log(ASPECT_RATIO[0]), math.log(ASPECT_RATIO[1])
    ratio = torch.exp(uniform(generator, (n, CROP_TRIES), log_lo, log_hi))
    w = torch.sqrt(area * share * ratio)  # (n, tries)
    h = torch.sqrt(area * share / ratio)
    fits = (w <= width) & (h <= height)
    first = fits.to(torch.uint8).argmax(dim=1, keepdim=True)  # first try that fits
    w, h = w.gather(1, first).squeeze(1), h.gather(1, first).squeeze(1)
    # Fallback: the central crop, clipped to the allowed aspect ratios.
    fallback_w, fallback_h = float(width), float(height)
    if width / height < ASPECT_RATIO[0]:
        fallback_h = width / ASPECT_RATIO[0]
    elif width / height > ASPECT_RATIO[1]:
        fallback_w = height * ASPECT_RATIO[1]
    found = fits.any(dim=1)
    w = torch.where(found, w, torch.full_like(w, fallback_w))
    h = torch.where(found, h, torch.full_like(h, fallback_h))
    # The box's top-left corner is uniform over the positions that keep it inside the image.
    left = uniform(generator, (n,), 0.0, 1.0) * (width - w)
    top = uniform(generator, (n,), 0.0, 1.0) * (height - h)
    centre_x = left + w / 2 - width / 2
    centre_y = top + h / 2 - height / 2
    return torch.stack([centre_x, centre_y, w, h], dim=1)


def affine_matrices(
    boxes: Tensor, flip: Tensor, angle_degrees: Tensor, height: int, width: int
) -> Tensor:
    """The (n, 2, 3) ``affine_grid`` matrices of crop, then flip, then rotation.

    An output pixel ``p`` (pixels from the image centre) samples the input at
    ``centre + S @ F @ R @ p``, where ``R`` turns the sampling grid so that the content turns
    counter-clockwise by the angle (torchvision's convention), ``F`` mirrors x when flipped
    and ``S`` shrinks the output frame to the box. ``affine_grid`` works in normalised
    coordinates (-1..1 across the image), so the matrix is wrapped in the pixel<->normalised
    scalings, which keeps rotations right-angled on non-square images.
    """
    n = boxes.shape[0]
    centre_x, centre_y, box_w, box_h = boxes.unbind(dim=1)
    radians = angle_degrees * (math.pi / 180)
    cos, sin = torch.cos(radians), torch.sin(radians)
    rotation = torch.stack([cos, -sin, sin, cos], dim=1).view(n, 2, 2)
    mirror = torch.where(flip, -1.0, 1.0)
    zeros = torch.zeros_like(box_w)
    shrink = torch.stack([mirror * box_w / width, zeros, zeros, box_h / height], dim=1)
    shrink = shrink.view(n, 2, 2)  # S @ F, from output pixels to input pixels (per unit)
    to_pixels = torch.diag(torch.tensor([width / 2, height / 2], device=boxes.device))
    to_normalised = torch.diag(torch.tensor([2 / width, 2 / height], device=boxes.device))
    linear = to_normalised @ shrink @ rotation @ to_pixels  # (n, 2, 2)
    shift = torch.stack([2 * centre_x / width, 2 * centre_y / height], dim=1)  # (n, 2)
    return torch.cat([linear, shift.unsqueeze(2)], dim=2)


def warp(x: Tensor, theta: Tensor) -> Tensor:
    """Resample every image of ``x`` (N, C, H, W) through its own matrix ``theta`` (N, 2, 3).

    Inside the image, positions between the outermost pixel centres and the edge repeat the
    edge pixel (as torchvision's resize does); positions outside the image (the corners a
    rotation uncovers) become 0, as torchvision's ``RandomRotation`` fills them.
    """
    theta = theta.to(device=x.device, dtype=x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (N, H, W, 2)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    inside = (grid.abs() <= 1.0).all(dim=3).unsqueeze(1)  # (N, 1, H, W)
    return out * inside


def interpolation_matrices(start: Tensor, length: Tensor, size: int) -> Tensor:
    """(n, size, size) bilinear resampling of one axis onto an interval of the input.

    Output pixel ``i`` samples the input at pixel-centre coordinate
    ``start + (i + 0.5) * length / size - 0.5`` (the ``align_corners=False`` rule), clamped to
    the outermost pixel centres; row ``i`` of the matrix holds its two interpolation weights.

    Args:
        start: (n,) left (or top) edge of each interval, in pixels from the image edge.
        length: (n,) its width (or height) in pixels.
        size: pixels along this axis, in the input and the output.
    """
    n = start.shape[0]
    centres = torch.arange(size, device=start.device, dtype=start.dtype) + 0.5
    position = start.view(-1, 1) + centres * (length.view(-1, 1) / size) - 0.5  # (n, size)
    position = position.clamp(0.0, size - 1.0)
    below = position.floor()
    weight_above = (position - below).unsqueeze(2)
    below_index = below.long().unsqueeze(2)
    above_index = (below_index + 1).clamp(max=size - 1)
    matrices = torch.zeros(n, size, size, device=start.device, dtype=start.dtype)
    matrices.scatter_add_(2, below_index, 1.0 - weight_above)
    return matrices.scatter_add_(2, above_index, weight_above)


def crop_and_flip(x: Tensor, boxes: Tensor, flip: Tensor) -> Tensor:
    """Resized crops of ``x`` (N, C, H, W), mirrored where ``flip`` (N,) is True.

    Without rotation the warp is separable: resampling the rows and then the columns of every
    image is two batched matrix products with (N, H, H) and (N, W, W) bilinear weight matrices,
    much faster than ``grid_sample`` on a CPU and equal to it up to rounding.
    """
    n, c, height, width = x.shape
    centre_x, centre_y, box_w, box_h = boxes.unbind(dim=1)
    columns = interpolation_matrices(centre_x + (width - box_w) / 2, box_w, width)
    columns = torch.where(flip.view(-1, 1, 1), columns.flip(1), columns)  # mirror the output
    rows = interpolation_matrices(centre_y + (height - box_h) / 2, box_h, height)
    columns = columns.to(device=x.device, dtype=x.dtype)
    rows = rows.to(device=x.device, dtype=x.dtype)
    # Two bmm calls with one weight matrix per image and all channels' lines stacked: several
    # times faster than one small matmul per (image, channel). Rows go first, on transposed
    # images, then columns; each transpose is one copy.
    x = x.transpose(2, 3).reshape(n, c * width, height)  # (N, C*W, H)
    x = torch.bmm(x, rows.transpose(1, 2))  # rows resampled, still transposed
    x = x.view(n, c, width, height).transpose(2, 3).reshape(n, c * height, width)
    x = torch.bmm(x, columns.transpose(1, 2))  # (N, C*H, W): columns resampled
    return x.view(n, c, height, width)


def random_geometry(
    x: Tensor,
    generator: torch.Generator,
    crop_scale: tuple[float, float],
    flip_prob: float,
    rotation_degrees: float,
) -> Tensor:
    """Crop, flip and rotate each image of ``x`` (N, C, H, W) with its own random parameters.

    Args:
        x: float images in [0, 1].
        generator: the source of every random number.
        crop_scale: the range of the crop's share of the image area.
        flip_prob: probability of a horizontal mirror.
        rotation_degrees: angles are drawn uniformly from ``[-rotation_degrees, rotation_degrees]``;
            0 takes the separable path (:func:`crop_and_flip`), otherwise one ``grid_sample``.

    Returns:
        (N, C, H, W) warped images, same size as the input.
    """
    n, _, height, width = x.shape
    boxes = sample_crop_boxes(generator, n, height, width, crop_scale)
    flip = coin(generator, n, flip_prob)
    if rotation_degrees == 0.0:
        return crop_and_flip(x, boxes, flip)
    angle = uniform(generator, (n,), -rotation_degrees, rotation_degrees)
    return warp(x, affine_matrices(boxes, flip, angle, height, width))


def geometry_is_identity(
    crop_scale: tuple[float, float],
    flip_prob: float,
    rotation_degrees: float,
    height: int,
    width: int,
) -> bool:
    """True when the warp would return every image unchanged, so it can be skipped.

    That is: the crop always covers the whole image (scale 1 and an in-range aspect ratio), no
    flip and no rotation. Skipping makes the ``none`` preset exact instead of off by rounding.
    """
    whole_image = crop_scale[0] >= 1.0 and ASPECT_RATIO[0] <= width / height <= ASPECT_RATIO[1]
    return whole_image and flip_prob == 0.0 and rotation_degrees == 0.0
