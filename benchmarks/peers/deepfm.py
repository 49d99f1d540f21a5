#!/usr/bin/env python3
"""PyTorch peer of lers' CTR models: DeepFM (and DCN-Mix) trained on the very data lers trains on.

The encoded dataset comes from lers (benchmarks/suites/training-ctr.ts writes it): a folder with
meta.json ({"fields", "field_dims", "rows"}), x.npy (int32 rows x fields of global feature ids,
field offsets applied), y.npy (uint8 labels) and train.npy / valid.npy / test.npy (int32 row
indices). The models follow the benchmark's reference code (github.com/chenxing1999/recsys-benchmark,
src/models/deepfm.py and layer_dcn.py), with the same settings as lers' defaults:

- DeepFM: y = w0 + sum_f w[x_f] (nn.EmbeddingBag, default N(0, 1) init) + FM second order +
  DNN(concat e_f); embeddings nn.Embedding(sum(field_dims), d) with Xavier-uniform; DNN
  Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer, then Linear to 1 (nn.Linear's init).
- DCN-Mix: x0 = concat e_f -> cross network of mixtures of low-rank experts (U, C, V per layer and
  expert, Kaiming-normal on the 3-D tensors, zero biases, linear gates shared by the layers, gate
  activation identity as the reference code's default) -> the same DNN -> Linear to 1.
- Adam (dense, coupled weight decay), BCE with logits, a seeded shuffle per epoch, batches of
  `batch_size` with a trailing one-row batch dropped (training BatchNorm needs two rows), best epoch
  by validation AUC, test metrics at the best epoch.

Parameter names equal lers' (`embedding.weight`, `linear.weight`, `dnn.0.weight`, `cross_head.U.0`, ...),
so `--init DIR` can start from lers' own initial values (one <name>.npy per tensor): both sides then
differ only in shuffling, dropout masks and float summation order, and their test metrics at
initialisation must agree (a check that the forward passes are the same function).

Prints one JSON line: per-epoch training seconds (validation excluded), samples/s, validation AUC
per epoch, the best epoch, test AUC and LogLoss (clipped at 1e-7 as @lers/eval) at initialisation
and at the best epoch, peak RSS.
Usage: python3 deepfm.py --data DIR [--model deepfm|dcn-mix] [--epochs 15] [--threads 1] ...
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
from torch import nn

from peak_rss import peak_rss_bytes


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="folder written by training-ctr.ts")
    p.add_argument("--model", default="deepfm", choices=["deepfm", "dcn-mix"])
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch-size", type=int, default=2048)
    p.add_argument("--eval-batch-size", type=int, default=0, help="default: the training batch size")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-6)
    p.add_argument("--embed-dim", type=int, default=16)
    p.add_argument("--hidden", default="400,400,400")
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--first-order-std", type=float, default=1.0, help="std of DeepFM's first-order weights (1: nn.EmbeddingBag's default)")
    p.add_argument("--cross-layers", type=int, default=3)
    p.add_argument("--experts", type=int, default=4)
    p.add_argument("--rank", type=int, default=64)
    p.add_argument("--gate", default="identity", choices=["identity", "softmax"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=2023)
    p.add_argument("--init", default="", help="folder of <state_dict key>.npy float32 initial values (lers' own init)")
    return p.parse_args()


def load_init(model, folder):
    """Starts from the given initial values: every parameter must have a file (BN buffers may)."""
    state = model.state_dict()
    params = {name for name, _ in model.named_parameters()}
    missing = []
    for name, tensor in state.items():
        path = f"{folder}/{name}.npy"
        try:
            value = np.load(path)
        except FileNotFoundError:
            if name in params:
                missing.append(name)
            continue
        tensor.copy_(torch.from_numpy(value.astype(np.float32)).reshape(tensor.shape))
    if missing:
        raise SystemExit(f"--init {folder}: no values for {', '.join(missing)}")


def dnn(inp, hidden, p_dropout):
    layers = []
    for size in hidden:
        layers += [nn.Linear(inp, size), nn.BatchNorm1d(size), nn.ReLU(), nn.Dropout(p_dropout)]
        inp = size
    layers.append(nn.Linear(inp, 1))
    return nn.Sequential(*layers)


class DeepFM(nn.Module):
    def __init__(self, num_features, fields, d, hidden, p_dropout, first_order_std=1.0):
        super().__init__()
        self.embedding = nn.Embedding(num_features, d)
        nn.init.xavier_uniform_(self.embedding.weight)
        self.linear = nn.EmbeddingBag(num_features, 1, mode="sum")  # default init N(0, 1)
        if first_order_std != 1.0:
            nn.init.normal_(self.linear.weight, std=first_order_std)
        self.bias = nn.Parameter(torch.zeros(1))
        self.dnn = dnn(fields * d, hidden, p_dropout)

    def forward(self, x):
        emb = self.embedding(x)  # batch x fields x d
        square_of_sum = emb.sum(dim=1).pow(2)
        sum_of_square = emb.pow(2).sum(dim=1)
        fm = 0.5 * (square_of_sum - sum_of_square).sum(1, keepdim=True)
        y = self.linear(x) + self.bias + fm + self.dnn(emb.reshape(x.shape[0], -1))
        return y.squeeze(-1)


class CrossNetMix(nn.Module):
    def __init__(self, d, layers, experts, rank, gate):
        super().__init__()

        def he(*shape):
            t = torch.empty(*shape)
            nn.init.kaiming_normal_(t)  # fans of the 3-D tensor, as the reference code
            return nn.Parameter(t)

        self.U = nn.ParameterList([he(experts, rank, d) for _ in range(layers)])
        self.C = nn.ParameterList([he(experts, rank, rank) for _ in range(layers)])
        self.V = nn.ParameterList([he(experts, d, rank) for _ in range(layers)])
        self.biases = nn.ParameterList([nn.Parameter(torch.zeros(1, d)) for _ in range(layers)])
        self.gates = he(experts, d, 1)
        self.softmax = gate == "softmax"

    def forward(self, x0):
        xl = x0
        x0e = x0.unsqueeze(1)
        for U, C, V, b in zip(self.U, self.C, self.V, self.biases):
            h = torch.tanh(xl @ V)  # experts x batch x rank
            h = torch.tanh(torch.bmm(h, C))
            e = torch.bmm(h, U).permute(1, 0, 2) + b  # batch x experts x d
            e = x0e * e
            g = (xl @ self.gates).squeeze(2).permute(1, 0)  # batch x experts
            if self.softmax:
                g = g.softmax(dim=1)
            xl = torch.einsum("be,bed->bd", g, e) + xl
        return xl


class DCNMix(nn.Module):
    def __init__(self, num_features, fields, d, hidden, p_dropout, layers, experts, rank, gate):
        super().__init__()
        self.embedding = nn.Embedding(num_features, d)
        nn.init.xavier_uniform_(self.embedding.weight)
        self.cross_head = CrossNetMix(fields * d, layers, experts, rank, gate)
        self.dnn = dnn(fields * d, hidden, p_dropout)

    def forward(self, x):
        emb = self.embedding(x).reshape(x.shape[0], -1)
        return self.dnn(self.cross_head(emb)).squeeze(-1)


def auc(scores, labels):
    """Exact ROC AUC with ties counted 1/2 (Mann-Whitney U with average ranks)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(s), dtype=np.float64)
    r[order] = ranks
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((r[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def log_loss(logits, labels, eps=1e-7):
    """Mean BCE from logits, clipped as @lers/eval's logLossFromLogits (p in [eps, 1 - eps])."""
    z_max = np.log((1 - eps) / eps)
    z = np.clip(np.asarray(logits, dtype=np.float64), -z_max, z_max)
    y = np.asarray(labels, dtype=np.float64)
    softplus = lambda v: np.maximum(v, 0) + np.log1p(np.exp(-np.abs(v)))  # noqa: E731
    return float(np.mean(y * softplus(-z) + (1 - y) * softplus(z)))


@torch.no_grad()
def evaluate(model, x, y, rows, batch_size):
    model.eval()
    out = []
    for start in range(0, len(rows), batch_size):
        idx = rows[start : start + batch_size]
        out.append(model(x[idx]).numpy().astype(np.float64))
    logits = np.concatenate(out)
    labels = y[rows].numpy()
    return auc(logits, labels), log_loss(logits, labels)


def blas_library():
    """The BLAS shared library this process loaded (Debian's torch calls libblas.so.3 for GEMM)."""
    torch.randn(8, 8) @ torch.randn(8, 8)
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    return ",".join(sorted(paths)) or "unknown"


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    meta = json.load(open(f"{args.data}/meta.json"))
    x = torch.from_numpy(np.load(f"{args.data}/x.npy").astype(np.int64))
    y = torch.from_numpy(np.load(f"{args.data}/y.npy").astype(np.float32))
    split = {name: torch.from_numpy(np.load(f"{args.data}/{name}.npy").astype(np.int64)) for name in ("train", "valid", "test")}
    fields = int(meta["fields"])
    num_features = int(sum(meta["field_dims"]))
    hidden = [int(h) for h in args.hidden.split(",") if h]
    if args.model == "deepfm":
        model = DeepFM(num_features, fields, args.embed_dim, hidden, args.dropout, args.first_order_std)
    else:
        model = DCNMix(num_features, fields, args.embed_dim, hidden, args.dropout, args.cross_layers, args.experts, args.rank, args.gate)
    if args.init:
        load_init(model, args.init)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    criterion = nn.BCEWithLogitsLoss()
    eval_bs = args.eval_batch_size or args.batch_size
    train_rows = split["train"].numpy()

    init_auc, init_logloss = evaluate(model, x, y, split["test"], eval_bs)
    print(f"pytorch {args.model} {args.threads}t: test AUC before training {init_auc:.5f}", file=sys.stderr)
    epoch_seconds, valid_aucs, losses = [], [], []
    best = (-1.0, 0, None)
    samples = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.from_numpy(rng.permutation(train_rows))
        t0 = time.perf_counter()
        loss_sum, batches = 0.0, 0
        for start in range(0, len(order), args.batch_size):
            idx = order[start : start + args.batch_size]
            if len(idx) < 2:
                break
            loss = criterion(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()
            batches += 1
            samples += len(idx)
        epoch_seconds.append(time.perf_counter() - t0)
        losses.append(loss_sum / max(batches, 1))
        v_auc, _ = evaluate(model, x, y, split["valid"], eval_bs)
        valid_aucs.append(v_auc)
        print(f"pytorch {args.model} {args.threads}t epoch {epoch}: loss {losses[-1]:.4f}, {epoch_seconds[-1]:.2f} s, valid AUC {v_auc:.4f}", file=sys.stderr)
        if v_auc > best[0]:
            best = (v_auc, epoch, {k: v.detach().clone() for k, v in model.state_dict().items()})
    if best[2] is not None:
        model.load_state_dict(best[2])
    test_auc, test_logloss = evaluate(model, x, y, split["test"], eval_bs)
    print(json.dumps({
        "peer": "pytorch",
        "torch": torch.__version__,
        "blas": blas_library(),
        "model": args.model,
        "threads": args.threads,
        "epochs": args.epochs,
        "epoch_seconds": epoch_seconds,
        "samples_per_sec": samples / max(sum(epoch_seconds), 1e-9),
        "train_loss": losses,
        "valid_auc": valid_aucs,
        "best_epoch": best[1],
        "init_test_auc": init_auc,
        "init_test_logloss": init_logloss,
        "shared_init": bool(args.init),
        "test_auc": test_auc,
        "test_logloss": test_logloss,
        "params": sum(p.numel() for p in model.parameters()),
        "peak_rss_bytes": peak_rss_bytes(),
    }))


if __name__ == "__main__":
    main()
