"""The command line in the ecosystem's manner: help on every flag, choices where the set is fixed,
a progress bar on a terminal and plain lines elsewhere, and messages whose commands work."""

from __future__ import annotations

import argparse
import io
import re
import shlex

import pytest

from sslcore.augment.presets import PRESET_SETTINGS
from sslcore.backbones import BACKBONES
from sslcore.cli import build_parser, main
from sslcore.cli.progress import Progress
from sslcore.cli.train_cmd import config_from_args
from sslcore.data.names import DATASET_NAMES
from sslcore.data.torchvision_sets import load_torchvision_set
from sslcore.objectives import OBJECTIVES


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action:
    return next(a for a in parser._actions if flag in a.option_strings)


def test_every_flag_of_every_subcommand_has_help():
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, parser in subcommands().items()
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and not (action.help or "").strip()
    ]
    assert not missing


def test_flags_with_a_fixed_set_offer_choices():
    train = subcommands()["train"]
    backbone = option(train, "--backbone").choices
    assert list(backbone) == [*BACKBONES, "timm:<model>"]
    assert "timm:resnet10t" in backbone and "resnet" not in backbone
    assert list(option(train, "--objective").choices) == list(OBJECTIVES)
    assert list(option(train, "--augment").choices) == list(PRESET_SETTINGS)
    assert list(option(train, "--optimizer").choices) == ["adamw", "sgd", "lars"]
    assert list(option(train, "--precision").choices) == ["auto", "fp32", "bf16", "fp16"]
    assert list(option(train, "--device").choices) == ["auto", "cpu", "cuda", "mps"]
    dataset = option(train, "--dataset").choices
    assert set(DATASET_NAMES) <= set(dataset)
    assert "npz:/data/mine.npz" in dataset and "folder:photos" in dataset
    assert "imagenet" not in dataset and "npz:" not in dataset
    assert list(option(subcommands()["eval"], "--device").choices) == list(
        option(train, "--device").choices
    )


def test_train_help_lists_every_choice_and_what_each_flag_sets(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines anywhere
    for name in (*BACKBONES, *OBJECTIVES, *DATASET_NAMES, *PRESET_SETTINGS):
        assert name in text
    assert "Peak learning rate after warm-up; 1e-06 to 1e+07 (sets optim.lr)" in text
    assert "--download Let torchvision download a missing dataset" in text


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--dataset", "imagenet"], "'shapes', 'digits'"),
        (["--backbone", "vgg"], "'convnet', 'resnet18'"),
        (["--objective", "magic"], "'simclr', 'moco'"),
        (["--device", "tpu"], "'auto', 'cpu', 'cuda', 'mps'"),
    ],
)
def test_a_value_outside_the_choices_is_refused_with_the_list(tmp_path, capsys, args, names):
    with pytest.raises(SystemExit) as done:
        main(["train", "--runs-dir", str(tmp_path), *args])
    assert done.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument {args[0]}: invalid choice: '{args[1]}'" in last and names in last


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(tmp_path, capsys, tiny_flags):
    code = main(["train", "--objective", "simclr", "--runs-dir", str(tmp_path), "--steps", "10",
                 *tiny_flags])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "\r" not in err
    lines = [line for line in err.splitlines() if line.startswith("step ")]
    assert [line.split()[1] for line in lines] == ["1/10", "5/10", "10/10"]
    assert re.fullmatch(r"step 10/10  loss \d+\.\d{4}  \d+ img/s  ETA \d\d:\d\d", lines[-1])


def test_progress_is_a_tqdm_bar_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = Progress(10, quiet=False, stream=screen)
    for step in (5, 10):
        progress({"step": step, "loss": 1.5, "images_per_s": 800.0, "eta_s": 3})
    progress.close()
    drawn = screen.getvalue()
    assert "\r" in drawn and "10/10" in drawn and "loss=1.5000" in drawn
    assert not any(line.startswith("step ") for line in drawn.splitlines())


@pytest.mark.parametrize("name", ["cifar10", "mnist"])
def test_the_missing_dataset_message_gives_a_command_the_parser_accepts(tmp_path, name):
    root = tmp_path / "my data"
    with pytest.raises(FileNotFoundError) as err:
        load_torchvision_set(name, str(root), "train", 32)
    (command,) = re.findall(r"`(sslcore [^`]*)`", str(err.value))
    argv = shlex.split(command)[1:]
    args = build_parser().parse_args(argv)
    assert args.func.__name__ == "train"
    config = config_from_args(args)
    assert config.data.dataset == name and config.data.download is True
    assert config.data.root == str(root)
