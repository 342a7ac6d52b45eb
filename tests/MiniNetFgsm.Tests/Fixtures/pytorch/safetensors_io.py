"""Tiny safetensors writer/reader (no dependency on the `safetensors` package).

File layout:
    8 bytes   little-endian u64 N = length of the JSON header
    N bytes   UTF-8 JSON header, padded with trailing spaces so that 8 + N is a multiple of 8
    ...       raw little-endian tensor data, tensors stored back to back in header order

Header JSON: {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [...],
"data_offsets": [begin, end]}, ...}; offsets are relative to the start of the data section.
"""
from __future__ import annotations

import json
import struct
from collections import OrderedDict

import numpy as np

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # torch.Tensor without importing torch here
        value = value.detach().cpu().contiguous().numpy()
    return np.ascontiguousarray(value)


def save_file(tensors, path: str, metadata: dict | None = None) -> None:
    """Write `tensors` (name -> numpy array or torch tensor; insertion order kept) to `path`."""
    header: "OrderedDict[str, object]" = OrderedDict()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, value in tensors.items():
        arr = _to_numpy(value)
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        arr = arr.astype(dt, copy=False)
        key = _NAMES.get(np.dtype(dt.str if dt.itemsize > 1 else dt))
        if key is None:
            raise TypeError(f"unsupported dtype {arr.dtype} for tensor {name!r}")
        data = arr.tobytes(order="C")
        header[name] = {"dtype": key, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((-(8 + len(raw))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for data in blobs:
            f.write(data)


def load_file(path: str):
    """Read a safetensors file. Returns (OrderedDict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("file too short")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError("header length beyond end of file")
    header = json.loads(blob[8 : 8 + n].decode("utf-8"), object_pairs_hook=OrderedDict)
    metadata = dict(header.pop("__metadata__", {}) or {})
    data = memoryview(blob)[8 + n :]
    tensors: "OrderedDict[str, np.ndarray]" = OrderedDict()
    for name, info in header.items():
        dt = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if end - begin != count * dt.itemsize or end > len(data) or begin < 0:
            raise ValueError(f"bad data_offsets for {name!r}")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dt).reshape(shape).copy()
    return tensors, metadata


if __name__ == "__main__":
    import sys

    for p in sys.argv[1:]:
        ts, md = load_file(p)
        print(p, md)
        for k, v in ts.items():
            print(f"  {k:24s} {v.dtype} {list(v.shape)} max|x|={float(np.abs(v).max()) if v.size else 0:.6g}")
