#!/usr/bin/env python3
"""LightGCN in PyTorch: the speed and accuracy peer of lers' LightGCN (benchmarks/suites/training-cf.ts).

Same protocol as ours (shared/reference/lers-protocol.md): train on train.txt, rank all items on
test.txt with each user's train items masked; d 64, 3 layers, Adam lr 1e-3, batch 2048,
lambda 1e-4 on the batch's ego embeddings, Xavier-uniform init, one uniform negative per (user,
positive) pair that is not a train item; w_cl 0 by default, or --w-cl for SGL-WA's InfoNCE (one over
the batch's unique users, one over its unique positive items, each node's view itself). Propagation uses a COO
torch.sparse.mm (faster than CSR in torch 1.13). Prints per-epoch times to stderr and one JSON line
with the epoch times and the final metrics to stdout.

    /usr/bin/python3 benchmarks/peers/lightgcn.py --data DIR --epochs 40 --threads 1 --seed 2023
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

from peak_rss import peak_rss_bytes


def read_lightgcn(path):
    """(users, items) int64 arrays of a `user item item ...` file."""
    us, its = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            u = int(parts[0])
            items = [int(x) for x in parts[1:]]
            us.extend([u] * len(items))
            its.extend(items)
    return np.asarray(us, dtype=np.int64), np.asarray(its, dtype=np.int64)


def max_id_of(path):
    """(max user id, max item id) of a file, -1 when empty."""
    mu, mi = -1, -1
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            mu = max(mu, int(parts[0]))
            if len(parts) > 1:
                mi = max(mi, max(int(x) for x in parts[1:]))
    return mu, mi


def normalized_adjacency(users, items, n_users, n_items):
    """D^-1/2 A D^-1/2 of the bipartite graph (users first, then items) as a coalesced COO tensor."""
    deg_u = np.bincount(users, minlength=n_users).astype(np.float64)
    deg_i = np.bincount(items, minlength=n_items).astype(np.float64)
    w = 1.0 / np.sqrt(deg_u[users] * deg_i[items])
    rows = np.concatenate([users, items + n_users])
    cols = np.concatenate([items + n_users, users])
    vals = np.concatenate([w, w]).astype(np.float32)
    n = n_users + n_items
    adj = torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows, cols])), torch.from_numpy(vals), (n, n))
    return adj.coalesce()


class LightGCN(torch.nn.Module):
    def __init__(self, n_users, n_items, dim, layers):
        super().__init__()
        self.user = torch.nn.Embedding(n_users, dim)
        self.item = torch.nn.Embedding(n_items, dim)
        torch.nn.init.xavier_uniform_(self.user.weight)
        torch.nn.init.xavier_uniform_(self.item.weight)
        self.layers = layers
        self.n_users = n_users

    def forward(self, adj):
        e0 = torch.cat([self.user.weight, self.item.weight], 0)
        acc, cur = e0, e0
        for _ in range(self.layers):
            cur = torch.sparse.mm(adj, cur)
            acc = acc + cur
        out = acc / (self.layers + 1)
        return out[: self.n_users], out[self.n_users:]


def info_nce(x, tau):
    """SGL-WA's InfoNCE over rows x, each row's view being itself (cosine, temperature tau)."""
    z = torch.nn.functional.normalize(x, dim=1)
    s = z @ z.T / tau
    return (torch.logsumexp(s, 1) - s.diagonal()).mean()


def sample_negatives(users, n_items, train_keys, rng):
    """One uniform item per user that is not a train item of that user (vectorised rejection)."""
    neg = rng.integers(0, n_items, size=users.shape[0])
    todo = np.arange(users.shape[0])
    while todo.size:
        keys = users[todo] * n_items + neg[todo]
        pos = np.searchsorted(train_keys, keys)
        pos[pos >= train_keys.size] = 0
        hit = train_keys[pos] == keys
        todo = todo[hit]
        neg[todo] = rng.integers(0, n_items, size=todo.size)
    return neg


@torch.no_grad()
def evaluate(model, adj, train_csr, test_users, test_items, n_users, n_items, k, batch_users=256):
    """Recall@k (hits/|T| and hits/min(|T|,k)) and NDCG@k, train items masked, over users with test items."""
    model.eval()
    ue, ie = model(adj)
    indptr, indices = train_csr
    truth = [[] for _ in range(n_users)]
    for u, i in zip(test_users.tolist(), test_items.tolist()):
        truth[u].append(i)
    active = [u for u in range(n_users) if truth[u]]
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    rec = rec_t = ndcg = 0.0
    for s in range(0, len(active), batch_users):
        batch = active[s: s + batch_users]
        scores = ue[batch] @ ie.T
        rows, cols = [], []
        for r, u in enumerate(batch):
            seen = indices[indptr[u]: indptr[u + 1]]
            rows.extend([r] * len(seen))
            cols.extend(seen.tolist())
        scores[rows, cols] = float('-inf')
        top = torch.topk(scores, k).indices.numpy()
        for r, u in enumerate(batch):
            t = set(truth[u])
            hits = np.array([1.0 if x in t else 0.0 for x in top[r]])
            h = hits.sum()
            rec += h / len(t)
            rec_t += h / min(len(t), k)
            ndcg += (hits * disc).sum() / disc[: min(len(t), k)].sum()
    n = len(active)
    return {f'recall@{k}': rec / n, f'recallT@{k}': rec_t / n, f'ndcg@{k}': ndcg / n, 'users': n}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', required=True, help='folder with train.txt and test.txt (valid.txt only sizes the tables)')
    p.add_argument('--epochs', type=int, default=40)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=2023)
    p.add_argument('--dim', type=int, default=64)
    p.add_argument('--layers', type=int, default=3)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--batch', type=int, default=2048)
    p.add_argument('--l2', type=float, default=1e-4)
    p.add_argument('--k', type=int, default=20)
    p.add_argument('--w-cl', type=float, default=0.0, help='weight of the SGL-WA InfoNCE term (0: plain LightGCN)')
    p.add_argument('--cl-temperature', type=float, default=0.2)
    p.add_argument('--no-eval', action='store_true', help='time the epochs only')
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    files = {name: os.path.join(a.data, f'{name}.txt') for name in ('train', 'valid', 'test')}
    ids = [max_id_of(f) for f in files.values() if os.path.exists(f)]
    n_users = max(u for u, _ in ids) + 1
    n_items = max(i for _, i in ids) + 1
    tu, ti = read_lightgcn(files['train'])
    # Deduplicate and sort the train pairs by (user, item).
    keys = np.unique(tu * n_items + ti)
    tu, ti = keys // n_items, keys % n_items
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.add.at(indptr, tu + 1, 1)
    indptr = np.cumsum(indptr)
    adj = normalized_adjacency(tu, ti, n_users, n_items)

    model = LightGCN(n_users, n_items, a.dim, a.layers)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    users_t = torch.from_numpy(tu)
    items_t = torch.from_numpy(ti)
    n_pairs = tu.shape[0]
    gen = torch.Generator().manual_seed(a.seed)
    epoch_seconds, losses = [], []
    for epoch in range(1, a.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        order = torch.randperm(n_pairs, generator=gen)
        neg_all = torch.from_numpy(sample_negatives(tu[order.numpy()], n_items, keys, rng))
        total = 0.0
        batches = 0
        for s in range(0, n_pairs, a.batch):
            idx = order[s: s + a.batch]
            u, i, j = users_t[idx], items_t[idx], neg_all[s: s + a.batch]
            ue, ie = model(adj)
            eu, ep, en = ue[u], ie[i], ie[j]
            bpr = torch.nn.functional.softplus((eu * en).sum(1) - (eu * ep).sum(1)).mean()
            reg = (model.user.weight[u].pow(2).sum() + model.item.weight[i].pow(2).sum()
                   + model.item.weight[j].pow(2).sum()) / (2 * len(u))
            loss = bpr + a.l2 * reg
            if a.w_cl > 0:
                cl = info_nce(ue[torch.unique(u)], a.cl_temperature) + info_nce(ie[torch.unique(i)], a.cl_temperature)
                loss = loss + a.w_cl * cl
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        dt = time.perf_counter() - t0
        epoch_seconds.append(dt)
        losses.append(total / batches)
        print(f'epoch {epoch}: loss {total / batches:.4f}, {dt:.2f} s', file=sys.stderr, flush=True)

    result = {
        'peer': 'pytorch',
        'torch': torch.__version__,
        'threads': a.threads,
        'epochs': a.epochs,
        'pairs': int(n_pairs),
        'table_users': n_users,
        'table_items': n_items,
        'epoch_seconds': epoch_seconds,
        'mean_epoch_seconds': float(np.mean(epoch_seconds)) if epoch_seconds else math.nan,
        'final_loss': losses[-1] if losses else math.nan,
    }
    if not a.no_eval:
        tsu, tsi = read_lightgcn(files['test'])
        t0 = time.perf_counter()
        result.update(evaluate(model, adj, (indptr, ti), tsu, tsi, n_users, n_items, a.k))
        result['eval_seconds'] = time.perf_counter() - t0
    result['max_rss_bytes'] = peak_rss_bytes()
    print(json.dumps(result))


if __name__ == '__main__':
    main()
