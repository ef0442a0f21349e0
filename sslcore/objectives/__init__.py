"""The objective registry: one literal dict of classes, built without import side effects.

Adding a method is one file with one :class:`Objective` subclass and one line in the tuple
below; its ``name`` is the key.
"""

from sslcore.objectives.autoencoder import Autoencoder
from sslcore.objectives.autoregressive import Autoregressive
from sslcore.objectives.barlow_twins import BarlowTwins
from sslcore.objectives.base import Objective
from sslcore.objectives.byol import BYOL
from sslcore.objectives.colorization import Colorization
from sslcore.objectives.dino import DINO
from sslcore.objectives.jigsaw import Jigsaw
from sslcore.objectives.mae import MAE
from sslcore.objectives.mlm import MLM
from sslcore.objectives.moco import MoCo
from sslcore.objectives.next_token import NextToken
from sslcore.objectives.nnclr import NNCLR
from sslcore.objectives.relative_position import RelativePosition
from sslcore.objectives.rotation import Rotation
from sslcore.objectives.simclr import SimCLR
from sslcore.objectives.simcse import SimCSE
from sslcore.objectives.simsiam import SimSiam
from sslcore.objectives.vicreg import VICReg
from sslcore.objectives.vqvae import VQVAE

OBJECTIVES: dict[str, type[Objective]] = {
    cls.name: cls
    for cls in (
        SimCLR,
        MoCo,
        NNCLR,
        BYOL,
        SimSiam,
        DINO,
        BarlowTwins,
        VICReg,
        Rotation,
        Jigsaw,
        RelativePosition,
        Autoencoder,
        MAE,
        Autoregressive,
        VQVAE,
        Colorization,
        MLM,
        NextToken,
        SimCSE,
    )
}

__all__ = ["Objective", "OBJECTIVES"]
