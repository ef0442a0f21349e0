"""Fine-tuning learns from a few labels, leaves the caller's backbone alone, is reproducible."""

import torch

from sslcore.backbones import build_backbone
from sslcore.config import BackboneConfig
from sslcore.data.shapes import make_shapes
from sslcore.eval.finetune import FinetuneSettings, finetune
from sslcore.eval.splits import label_subset

torch.set_num_threads(1)


def test_finetuning_learns_and_is_reproducible():
    train, test = make_shapes(300, 16, split="train"), make_shapes(120, 16, split="test")
    assert train.labels is not None and test.labels is not None
    index = label_subset(train.labels, 0.5, seed=0)
    torch.manual_seed(0)
    backbone = build_backbone(BackboneConfig(name="convnet", width=8), 3, 16)
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    settings = FinetuneSettings(steps=40, batch_size=64, lr=3e-3, warmup_steps=2)
    args = (train.images[index], train.labels[index], test.images, test.labels, 6, settings)
    first = finetune(backbone, *args)
    second = finetune(backbone, *args)
    assert first.accuracy > 0.3  # chance is 1/6
    assert first.accuracy == second.accuracy and first.final_loss == second.final_loss
    assert all(torch.equal(before[k], v) for k, v in backbone.state_dict().items())
