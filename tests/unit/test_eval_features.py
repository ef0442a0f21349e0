"""Feature extraction: batches, scaling to [0, 1], and eval mode restored afterwards."""

import torch
from torch import nn

from sslcore.eval.features import extract_features


class MeanPixel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen_training = self.training
        return x.mean(dim=(2, 3))


def test_features_are_batched_scaled_and_modes_restored():
    images = torch.randint(0, 256, (10, 3, 4, 4), dtype=torch.uint8)
    model = MeanPixel().train()
    features = extract_features(model, images, batch_size=3)
    assert features.shape == (10, 3) and features.dtype == torch.float32
    assert torch.allclose(features, images.float().div(255).mean(dim=(2, 3)))
    assert model.seen_training is False
    assert model.training and model.norm.training


def test_bound_methods_of_modules_run_in_eval_mode():
    model = MeanPixel().train()
    extract_features(model.forward, torch.zeros(2, 3, 4, 4, dtype=torch.uint8))
    assert model.seen_training is False and model.training
