"""Allowed data roots: no path a user types reads outside them (``..``, absolute, links)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sslcore.data.folder import load_folder, scan_folder
from sslcore.data.npz import load_npz, npz_info
from sslcore.data.roots import ROOTS_ENV, allowed_roots, check_data_path


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An allowed root with a class folder and an npz, a secret folder beside it, and links."""
    root, secret = tmp_path / "class-data", tmp_path / "secret"
    for folder in (root / "mine" / "cats", root / "mine" / "dogs", secret / "cats"):
        folder.mkdir(parents=True)
    pixels = np.zeros((12, 12, 3), np.uint8)
    for folder in (root / "mine" / "cats", root / "mine" / "dogs", secret / "cats"):
        Image.fromarray(pixels).save(folder / "a.png")
    np.savez(root / "mine.npz", x=np.zeros((4, 8, 8), np.uint8))
    np.savez(secret / "secret.npz", x=np.zeros((4, 8, 8), np.uint8))
    os.symlink(secret, root / "link-to-secret")
    os.symlink(secret / "secret.npz", root / "link.npz")
    os.symlink(secret / "cats" / "a.png", root / "mine" / "dogs" / "stolen.png")
    monkeypatch.setenv(ROOTS_ENV, str(root))
    return {"root": root, "secret": secret}


def test_paths_under_the_root_are_read(layout: dict[str, Path]) -> None:
    root = layout["root"]
    assert check_data_path(root / "mine") == (root / "mine").resolve()
    assert load_folder(str(root / "mine"), 8).classes == ["cats", "dogs"]
    assert load_npz(str(root / "mine.npz"), 8).images.shape == (4, 1, 8, 8)


@pytest.mark.parametrize(
    "named",
    [
        "{root}/../secret",
        "{root}/mine/../../secret",
        "{secret}",
        "/etc",
        "{root}/link-to-secret",
        "{root}/link-to-secret/cats",
    ],
)
def test_folders_outside_the_root_are_refused(layout: dict[str, Path], named: str) -> None:
    path = named.format(**{k: str(v) for k, v in layout.items()})
    with pytest.raises(PermissionError, match="outside the folders this server may read"):
        load_folder(path, 8)
    with pytest.raises(PermissionError):
        scan_folder(Path(path))


@pytest.mark.parametrize("named", ["{root}/link.npz", "{root}/../secret/secret.npz", "/etc/passwd"])
def test_npz_files_outside_the_root_are_refused(layout: dict[str, Path], named: str) -> None:
    path = named.format(**{k: str(v) for k, v in layout.items()})
    with pytest.raises(PermissionError):
        load_npz(path, 8)
    with pytest.raises(PermissionError):
        npz_info(path)


def test_a_refusal_does_not_tell_whether_the_outside_path_exists(layout: dict[str, Path]) -> None:
    messages = []
    for path in (layout["secret"], layout["secret"] / "no-such-folder"):
        with pytest.raises(PermissionError) as caught:
            load_folder(str(path), 8)
        messages.append(str(caught.value).replace(str(path), "PATH"))
    assert messages[0] == messages[1]


def test_a_link_inside_an_allowed_folder_to_a_file_outside_is_left_out(
    layout: dict[str, Path],
) -> None:
    files, labels, _ = scan_folder(layout["root"] / "mine")
    assert [f.name for f in files] == ["a.png", "a.png"] and labels == [0, 1]


def test_an_empty_setting_allows_no_folders_and_no_setting_allows_all(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ROOTS_ENV, "")
    assert allowed_roots() == ()
    with pytest.raises(PermissionError, match="reads no folders of your own"):
        load_folder(str(layout["root"] / "mine"), 8)
    monkeypatch.delenv(ROOTS_ENV)
    monkeypatch.delenv("SSL_LAB_CLASSROOM", raising=False)
    assert allowed_roots() is None
    assert load_folder(str(layout["secret"]), 8).classes == ["cats"]


def test_classroom_mode_takes_the_roots_from_the_policy(
    layout: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "class.toml"
    policy.write_text(f'allowed_data_roots = ["{layout["root"]}"]\n')
    monkeypatch.delenv(ROOTS_ENV)
    monkeypatch.setenv("SSL_LAB_CLASSROOM", str(policy))
    assert allowed_roots() == (layout["root"].resolve(),)
    with pytest.raises(PermissionError):
        load_folder(str(layout["secret"]), 8)


def test_a_torchvision_root_typed_by_a_user_must_lie_under_the_roots(
    layout: dict[str, Path],
) -> None:
    from sslcore.data.torchvision_sets import data_root

    assert data_root(str(layout["root"])) == layout["root"].resolve()
    with pytest.raises(PermissionError, match="outside the folders this server may read"):
        data_root(str(layout["secret"]))
    with pytest.raises(PermissionError):
        data_root(f"{layout['root']}/link-to-secret")
