#!/usr/bin/env python3
"""Train `mnist-cnn` in PyTorch on the full MNIST training set and run the FGSM sweep on all 10k test images.

Recipe: seed 1, batch 64, Adam lr 1e-3, 2 epochs, torch.set_num_threads(2).
Outputs (next to this script unless --out): mnist-cnn_pytorch.safetensors (~4.8 MB), mnist-cnn_pytorch_sweep.csv.
Run: /usr/bin/python3 train_mnist_cnn.py [--epochs N] [--out DIR] [--data DIR]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_common import HERE, run  # noqa: E402

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--data", default=None)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    sys.exit(run("mnist-cnn", a.epochs, a.out, a.data, min_acc=0.985, threads=a.threads))
