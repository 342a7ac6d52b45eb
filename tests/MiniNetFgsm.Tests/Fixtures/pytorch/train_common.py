"""Shared training + FGSM-sweep code for train_lenet.py and train_mnist_cnn.py."""
from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from mnist_io import load_mnist  # noqa: E402
from models import build_model, state_dict_numpy  # noqa: E402
from safetensors_io import save_file  # noqa: E402

EPSILONS = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
SWEEP_HEADER = "epsilon,accuracy,correct,total,attack_success_rate,mean_adversarial_confidence"


def setup_threads(n: int = 2) -> None:
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(n)
    except RuntimeError:
        pass


@torch.no_grad()
def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += int((model(x[i : i + batch]).argmax(1) == y[i : i + batch]).sum())
    return correct / len(x)


def train(arch, epochs, seed=1, batch=64, lr=1e-3, data_dir=None, log=lambda s: print(s, flush=True)):
    """Adam(lr) on the full 60k training set, shuffled each epoch with a seeded generator.
    The last partial batch (60000 % 64 = 32 images) is kept. Returns (model, test accuracy)."""
    torch.manual_seed(seed)
    model = build_model(arch)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xtr, ytr = (torch.from_numpy(a) for a in load_mnist("train", data_dir))
    xte, yte = (torch.from_numpy(a) for a in load_mnist("test", data_dir))
    gen = torch.Generator().manual_seed(seed)
    acc = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(xtr), generator=gen)
        total_loss = 0.0
        for i in range(0, len(xtr), batch):
            idx = perm[i : i + batch]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
        acc = evaluate(model, xte, yte)
        log(f"[{arch}] epoch {epoch}: train loss {total_loss / len(xtr):.4f}, test acc {acc:.4f} ({time.time() - t0:.1f}s)")
    model.eval()
    return model, acc


def save_model(model, arch, path):
    save_file(state_dict_numpy(model), path, {"architecture": arch})


def fgsm_sweep(model, x, y, epsilons=EPSILONS, batch=1000):
    """FGSM against the TRUE labels, per batch of `batch` images, eval mode.
    g = dL/dx of the batch-mean cross-entropy; x_adv = clamp(x + eps*sign(g), 0, 1), sign(0) = 0.
    Returns a list of row dicts (float64 statistics)."""
    model.eval()
    n = len(x)
    preds = {e: np.empty(n, dtype=np.int64) for e in epsilons}
    conf = {e: np.empty(n, dtype=np.float64) for e in epsilons}
    for i in range(0, n, batch):
        xb = x[i : i + batch].clone().requires_grad_(True)
        yb = y[i : i + batch]
        loss = F.cross_entropy(model(xb), yb)
        (g,) = torch.autograd.grad(loss, xb)
        s = torch.sign(g)
        with torch.no_grad():
            for e in epsilons:
                xa = torch.clamp(xb.detach() + e * s, 0.0, 1.0) if e != 0 else xb.detach()
                p = torch.softmax(model(xa).double(), dim=1)
                c, pr = p.max(1)
                preds[e][i : i + batch] = pr.numpy()
                conf[e][i : i + batch] = c.numpy()
    yn = y.numpy()
    clean_ok = preds[epsilons[0]] == yn if epsilons[0] == 0 else None
    rows = []
    for e in epsilons:
        ok = preds[e] == yn
        correct = int(ok.sum())
        if clean_ok is not None and clean_ok.sum() > 0:
            asr = float((clean_ok & ~ok).sum()) / float(clean_ok.sum())
        else:
            asr = float("nan")
        rows.append(dict(epsilon=float(e), accuracy=correct / n, correct=correct, total=n,
                         attack_success_rate=asr, mean_adversarial_confidence=float(conf[e].mean())))
    return rows


def write_sweep_csv(rows, path):
    with open(path, "w", newline="\n") as f:
        f.write(SWEEP_HEADER + "\n")
        for r in rows:
            f.write("%.6f,%.6f,%d,%d,%.6f,%.6f\n" % (r["epsilon"], r["accuracy"], r["correct"], r["total"],
                                                   r["attack_success_rate"], r["mean_adversarial_confidence"]))


def run(arch, epochs, out_dir=HERE, data_dir=None, min_acc=None, threads=2, lr=1e-3):
    setup_threads(threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}", flush=True)
    t0 = time.time()
    model, acc = train(arch, epochs, lr=lr, data_dir=data_dir)
    print(f"[{arch}] training took {time.time() - t0:.1f}s, test accuracy {acc:.4f}")
    model_path = os.path.join(out_dir, f"{arch}_pytorch.safetensors")
    save_model(model, arch, model_path)
    xte, yte = (torch.from_numpy(a) for a in load_mnist("test", data_dir))
    t1 = time.time()
    rows = fgsm_sweep(model, xte, yte)
    csv_path = os.path.join(out_dir, f"{arch}_pytorch_sweep.csv")
    write_sweep_csv(rows, csv_path)
    print(f"[{arch}] sweep took {time.time() - t1:.1f}s -> {csv_path}")
    with open(csv_path) as f:
        print(f.read(), end="")
    if min_acc is not None and acc < min_acc:
        print(f"WARNING: test accuracy {acc:.4f} below target {min_acc}", file=sys.stderr)
        return 1
    return 0
