"""Transfer: use a representation learned on one dataset somewhere else.

- :mod:`~sslcore.transfer.adapt`: make another dataset's images fit a trained backbone (channels
  and size), saying exactly what was changed;
- :mod:`~sslcore.transfer.target`: load that dataset's splits, adapted, for ``sslcore eval
  --dataset``;
- :mod:`~sslcore.transfer.init_source`: the ``backbone.init_from`` syntax (no torch needed);
- :mod:`~sslcore.transfer.init`: start a backbone from another run's weights or from torchvision's
  ImageNet weights, and record where they came from (:mod:`~sslcore.transfer.imagenet` finds
  those in the local torch hub cache).
"""
