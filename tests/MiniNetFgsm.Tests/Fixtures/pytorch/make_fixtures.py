#!/usr/bin/env python3
"""Reference fixtures for the C# tests: randomly initialised models + forward/backward/FGSM outputs.

For each architecture (lenet, mnist-cnn), with torch.manual_seed(1234) set right before the model is
built (so each file is independent of the order here):
  lenet_random.safetensors   state_dict (default PyTorch init), metadata {"architecture": "lenet"}
  mnist-cnn: no model file (it would be 4.8 MB). Its weights are hash_uniform_state_dict() below, which the C# tests
             re-create bit for bit (PyTorchFixtureTests.HashUniformWeights); the io file's metadata lists the
             state_dict names and shapes instead.
  <arch>_io.safetensors      input [16,1,28,28]   first 16 t10k images, pixels/255
                             labels [16]          true labels, as F32
                             logits [16,10]       model.eval() logits
                             loss [1]             mean cross-entropy vs labels
                             input_grad [16,1,28,28]  dL/d input of that mean loss
                             fgsm_eps0.1 [16,1,28,28] clamp(input + 0.1*sign(input_grad), 0, 1)
                             fgsm_eps0.1_logits [16,10] logits on fgsm_eps0.1
Run: /usr/bin/python3 make_fixtures.py [--out DIR] [--data DIR]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from mnist_io import load_mnist  # noqa: E402
from models import build_model, state_dict_numpy  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

SEED = 1234
N_IMAGES = 16
EPS = 0.1


def hash_uniform(index: int, count: int, bound: float):
    """count float32 values in [-bound, bound): u = ((i * 2654435761 + (index + 1) * 40503) mod 2^32) / 2^32,
    v = float32((2u - 1) * bound) computed in float64. Exactly reproducible in any language."""
    i = np.arange(count, dtype=np.uint64)
    u = ((i * np.uint64(2654435761) + np.uint64((index + 1) * 40503)) % np.uint64(1 << 32)).astype(np.float64) / 4294967296.0
    return ((2.0 * u - 1.0) * bound).astype(np.float32)


def hash_uniform_state_dict(model):
    """Parameter k (state_dict order) of a layer with fan-in F: hash_uniform(k, numel, 1/sqrt(F)), PyTorch's init range."""
    out = {}
    fan_in = None
    for k, (name, v) in enumerate(model.state_dict().items()):
        if name.endswith(".weight"):
            fan_in = int(np.prod(v.shape[1:]))
        out[name] = torch.from_numpy(hash_uniform(k, v.numel(), 1.0 / np.sqrt(fan_in)).reshape(tuple(v.shape)))
    return out


def forward_backward(model, x, y):
    x = x.clone().requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    (grad,) = torch.autograd.grad(loss, x)
    return logits.detach(), loss.detach(), grad.detach()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--data", default=None, help="MNIST dir (default: <repo>/data/mnist)")
    args = ap.parse_args()
    torch.set_num_threads(1)  # single thread: fully deterministic reductions

    x_np, y_np = load_mnist("test", args.data, limit=N_IMAGES)
    x = torch.from_numpy(x_np)
    y = torch.from_numpy(y_np)
    print(f"torch {torch.__version__}; labels of first {N_IMAGES} test images: {y_np.tolist()}")

    for arch in ("lenet", "mnist-cnn"):
        torch.manual_seed(SEED)
        model = build_model(arch)
        model.eval()
        meta = {"architecture": arch}
        model_path = os.path.join(args.out, f"{arch}_random.safetensors")
        if arch == "mnist-cnn":
            model.load_state_dict(hash_uniform_state_dict(model))
            meta["weights"] = "hash_uniform_state_dict (make_fixtures.py)"
            meta["state_dict"] = ",".join(f"{k}{list(v.shape)}".replace(" ", "") for k, v in model.state_dict().items())
        else:
            save_file(state_dict_numpy(model), model_path, meta)

        logits, loss, grad = forward_backward(model, x, y)
        x_adv = torch.clamp(x + EPS * torch.sign(grad), 0.0, 1.0)
        with torch.no_grad():
            adv_logits = model(x_adv)

        io = {
            "input": x,
            "labels": y.float(),
            "logits": logits,
            "loss": loss.reshape(1),
            "input_grad": grad,
            f"fgsm_eps{EPS}": x_adv,
            f"fgsm_eps{EPS}_logits": adv_logits,
        }
        io_path = os.path.join(args.out, f"{arch}_io.safetensors")
        save_file(io, io_path, meta)

        # --- sanity / diagnostics -------------------------------------------------------------
        ts, md = load_file(io_path)
        assert md == meta
        for k, v in io.items():
            assert np.array_equal(ts[k], v.numpy()), k
        if os.path.exists(model_path) and arch != "mnist-cnn":
            mt, mm = load_file(model_path)
            assert mm == meta and list(mt) == list(model.state_dict())

        # float64 re-computation: how many gradient signs are fragile w.r.t. rounding?
        m64 = build_model(arch).double().eval()
        m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
        _, loss64, grad64 = forward_backward(m64, x.double(), y)
        flips = int((torch.sign(grad64) != torch.sign(grad.double())).sum())
        zeros = int((grad == 0).sum())

        print(f"\n[{arch}] {io_path} ({os.path.getsize(io_path)} B)")
        for k, v in model.state_dict().items():
            print(f"  param {k:14s} {list(v.shape)!s:16s} max|v|={v.abs().max().item():.6g}")
        for k, v in io.items():
            print(f"  io    {k:20s} {list(v.shape)!s:16s} max|v|={v.abs().max().item():.6g}")
        print(f"  loss={loss.item():.8f} (float64: {loss64.item():.8f}); preds={logits.argmax(1).tolist()}")
        print(f"  adv preds={adv_logits.argmax(1).tolist()}")
        print(f"  input_grad: {zeros} exact zeros of {grad.numel()}; sign differs float32 vs float64 at {flips} entries; "
              f"min nonzero |g|={grad.abs()[grad != 0].min().item():.3g}")


if __name__ == "__main__":
    main()
