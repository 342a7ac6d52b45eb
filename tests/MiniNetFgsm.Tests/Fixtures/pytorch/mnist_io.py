"""Reader for the gzipped IDX MNIST files (no torchvision needed)."""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np

# Fixtures/pytorch -> Fixtures -> MiniNetFgsm.Tests -> tests -> repo root
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DEFAULT_DATA_DIR = os.path.join(REPO_ROOT, "data", "mnist")

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _read_idx(path: str) -> np.ndarray:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size mismatch")
    return arr.reshape(dims)


def load_images_u8(path: str) -> np.ndarray:
    """uint8 [n, 28, 28]."""
    return _read_idx(path)


def load_labels(path: str) -> np.ndarray:
    """int64 [n]."""
    return _read_idx(path).astype(np.int64)


def load_mnist(split: str = "test", data_dir: str | None = None, limit: int | None = None):
    """Returns (x float32 [n,1,28,28] = pixels/255 in [0,1], y int64 [n])."""
    data_dir = data_dir or DEFAULT_DATA_DIR
    img_name, lbl_name = FILES[split]
    images = load_images_u8(os.path.join(data_dir, img_name))
    labels = load_labels(os.path.join(data_dir, lbl_name))
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = (images.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    return np.ascontiguousarray(x), labels
