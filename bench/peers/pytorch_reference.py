#!/usr/bin/env python3
"""PyTorch speed peer for the MiniNetFgsm benchmark.

Measures, for each model (lenet, mnist-cnn) and phase:
  train  forward + backward + SGD step (lr 0.01, no momentum), train mode (dropout on)
  infer  forward only, eval mode, under torch.no_grad()
  fgsm   eval mode: forward, mean cross-entropy vs true labels, backward to the input,
         x_adv = clamp(x + 0.1*sign(g), 0, 1), forward on x_adv, argmax
on real MNIST images (train set for `train`, t10k for `infer`/`fgsm`) in batches of --batch,
after a warm-up, and prints CSV to stdout:
  model,phase,threads,batch,images,seconds,images_per_second
Diagnostics (torch version, BLAS) go to stderr. If torch cannot be imported it prints one line to
stderr and exits 0 (the comparison is optional).

Install (Debian): apt-get install -y python3-torch libopenblas0-pthread ; run with /usr/bin/python3.
"""
from __future__ import annotations

import argparse
import gzip
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "data", "mnist"))
MODELS_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "MiniNetFgsm.Tests", "Fixtures", "pytorch"))
MODELS = ("lenet", "mnist-cnn")
PHASES = ("train", "infer", "fgsm")
# Default image counts per model (each phase takes a few seconds on 2 cores).
DEFAULT_IMAGES = {"lenet": 12800, "mnist-cnn": 3200}
HEADER = "model,phase,threads,batch,images,seconds,images_per_second"


def eprint(*a):
    print(*a, file=sys.stderr, flush=True)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="all", choices=("all",) + MODELS)
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op and inter-op threads (default 2)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--images", type=int, default=None,
                    help="images timed per phase (default: %s)" % ", ".join(f"{k} {v}" for k, v in DEFAULT_IMAGES.items()))
    ap.add_argument("--phase", default="all", choices=("all",) + PHASES)
    ap.add_argument("--warmup", type=int, default=5, help="warm-up batches per phase (default 5)")
    ap.add_argument("--data", default=DEFAULT_DATA, help="MNIST IDX .gz directory (default: <repo>/data/mnist)")
    a = ap.parse_args(argv)
    if a.threads < 1 or a.batch < 1 or (a.images is not None and a.images < 1) or a.warmup < 0:
        ap.error("--threads, --batch and --images must be positive")
    return a


def read_idx(path):
    import numpy as np

    with gzip.open(path, "rb") as f:
        data = f.read()
    _, code, ndim = struct.unpack(">HBB", data[:4])
    if code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, split):
    import numpy as np
    import torch

    prefix = "train" if split == "train" else "t10k"
    imgs = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    lbls = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy((imgs.astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28).copy())
    y = torch.from_numpy(lbls.astype(np.int64))
    return x, y


def blas_report(torch):
    """Returns (is_openblas, description). Debian's torch is built with BLAS_INFO=generic and links the
    libblas.so.3 alternative, so torch.__config__.show() never names OpenBLAS; check what got loaded."""
    cfg = torch.__config__.show()
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # make sure BLAS is loaded
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(p).lower()
                if any(k in base for k in ("blas", "mkl_", "libmkl", "lapack")):
                    libs.add(p)
    except OSError:
        pass
    in_cfg = "openblas" in cfg.lower()
    loaded_openblas = any("openblas" in os.path.basename(p).lower() for p in libs)
    pkg = any(os.path.exists(p) for p in (
        "/usr/share/doc/libopenblas0-pthread", "/var/lib/dpkg/info/libopenblas0-pthread:amd64.list",
        "/var/lib/dpkg/info/libopenblas0-pthread.list"))
    blas_info = next((s.split("=", 1)[1] for s in cfg.replace(",", " ").split() if s.startswith("BLAS_INFO=")), "?")
    desc = f"BLAS_INFO={blas_info}; loaded: {', '.join(sorted(libs)) or 'none found'}"
    return (in_cfg or loaded_openblas), in_cfg, pkg, desc


def main(argv=None):
    args = parse_args(argv)
    try:
        import torch
        import torch.nn.functional as F
    except Exception as exc:  # ImportError, or a broken install
        eprint(f"pytorch_reference: PyTorch not available ({exc.__class__.__name__}: {exc}); "
               "install with 'apt-get install -y python3-torch libopenblas0-pthread' and use /usr/bin/python3. Skipping.")
        return 0

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass

    # The models are the fixtures' PyTorch definitions, the ones whose weights the C# tests load.
    sys.path.insert(0, MODELS_DIR)
    from models import build_model  # noqa: E402


    ok, in_cfg, pkg, desc = blas_report(torch)
    eprint(f"pytorch_reference: torch {torch.__version__}, threads {torch.get_num_threads()} intra / "
           f"{torch.get_num_interop_threads()} inter-op, MKL-DNN {torch.backends.mkldnn.is_available()}")
    eprint(f"pytorch_reference: BLAS is {'OpenBLAS' if ok else 'NOT OpenBLAS'} ({desc})")
    if not in_cfg:
        eprint("pytorch_reference: note: torch.__config__.show() does not mention OpenBLAS "
               "(expected for Debian's python3-torch, which uses the system libblas.so.3)")
    if not pkg:
        eprint("pytorch_reference: WARNING: libopenblas0-pthread is not installed; Debian's torch then uses the slow "
               "reference BLAS. Fix: apt-get install -y libopenblas0-pthread")
    if not ok:
        eprint("pytorch_reference: WARNING: OpenBLAS is not loaded; matrix products use a slower BLAS")

    try:
        load1 = os.getloadavg()[0]
        ncpu = os.cpu_count() or 1
        eprint(f"pytorch_reference: load average {load1:.2f} on {ncpu} CPUs")
        if load1 > 0.5 * ncpu:
            eprint("pytorch_reference: WARNING: the machine is busy; torch's OpenMP threads degrade badly when cores "
                   "are oversubscribed (lenet with 2 threads was measured ~10x slower under load). "
                   "Run comparisons on an idle machine.")
    except OSError:
        pass

    if not os.path.isdir(args.data):
        eprint(f"pytorch_reference: MNIST directory not found: {args.data}")
        return 2
    xtr, ytr = load_split(args.data, "train")
    xte, yte = load_split(args.data, "test")

    models = MODELS if args.model == "all" else (args.model,)
    phases = PHASES if args.phase == "all" else (args.phase,)
    B = args.batch

    def batches(x, y, start_batch):
        """Endless contiguous batches of size B (wrapping around the data set)."""
        n = len(x)
        i = (start_batch * B) % n
        while True:
            if i + B > n:
                i = 0
            yield x[i : i + B], y[i : i + B]
            i += B

    print(HEADER, flush=True)
    torch.manual_seed(0)
    for name in models:
        images = args.images if args.images is not None else DEFAULT_IMAGES[name]
        nb = max(1, -(-images // B))  # ceil: whole batches
        for phase in phases:
            model = build_model(name)
            if phase == "train":
                model.train()
                opt = torch.optim.SGD(model.parameters(), lr=0.01)

                def step(xb, yb):
                    opt.zero_grad(set_to_none=True)
                    loss = F.cross_entropy(model(xb), yb)
                    loss.backward()
                    opt.step()

                data = batches(xtr, ytr, 0)
            elif phase == "infer":
                model.eval()

                def step(xb, yb):
                    with torch.no_grad():
                        return model(xb).argmax(1)

                data = batches(xte, yte, 0)
            else:
                model.eval()
                for p in model.parameters():
                    p.requires_grad_(False)  # only the input gradient is needed

                def step(xb, yb):
                    x = xb.clone().requires_grad_(True)
                    loss = F.cross_entropy(model(x), yb)
                    (g,) = torch.autograd.grad(loss, x)
                    with torch.no_grad():
                        x_adv = torch.clamp(x.detach() + 0.1 * torch.sign(g), 0.0, 1.0)
                        return model(x_adv).argmax(1)

                data = batches(xte, yte, 0)

            for _ in range(args.warmup):
                step(*next(data))
            timed = [next(data) for _ in range(nb)]  # slices are views: no copying inside the timed loop
            t0 = time.perf_counter()
            for xb, yb in timed:
                step(xb, yb)
            dt = time.perf_counter() - t0
            n_img = nb * B
            print(f"{name},{phase},{args.threads},{B},{n_img},{dt:.4f},{n_img / dt:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
