#!/usr/bin/env python3
"""PyTorch peer of lers' GEMM in the shapes of a CTR model's DNN layer (forward and both backward products).

Each shape is `op m n k` with op one of nt, tn, nn (which operand is read transposed, as lers'
`gemm(transA, transB, ...)` and as torch's Linear computes it: forward x @ W.t(), weight gradient
dy.t() @ x, input gradient dy @ W), operands stored contiguously in the layout lers stores them.
Prints one JSON line: per shape the median seconds of a call over rounds of about 50 ms each, and
torch's version, thread count and the BLAS it loaded (from /proc/self/maps).
Usage: python3 gemm.py --threads 1 --shapes nt,2048,400,624 tn,400,624,2048 ...
"""
import argparse
import json
import time

import torch


def operands(op, m, n, k, gen):
    """Operands stored as lers stores them, and the product as torch computes it."""
    rand = lambda *s: torch.rand(*s, generator=gen) * 2 - 1
    if op == "nt":  # A m x k, B stored n x k
        a, b = rand(m, k), rand(n, k)
        return lambda: torch.mm(a, b.t())
    if op == "tn":  # A stored k x m, B k x n
        a, b = rand(k, m), rand(k, n)
        return lambda: torch.mm(a.t(), b)
    if op == "nn":
        a, b = rand(m, k), rand(k, n)
        return lambda: torch.mm(a, b)
    raise ValueError(f"unknown op {op}")


def seconds_per_call(fn, rounds=9, round_s=0.05):
    fn()
    times = []
    for _ in range(rounds):
        calls, t0 = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            t = time.perf_counter() - t0
            if t >= round_s:
                break
        times.append(t / calls)
    return sorted(times)[len(times) // 2]


def loaded_blas():
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return ",".join(sorted(libs))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--shapes", nargs="+", required=True, help="op,m,n,k (op: nt, tn, nn)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(7)
    out = []
    for spec in args.shapes:
        op, m, n, k = spec.split(",")
        m, n, k = int(m), int(n), int(k)
        out.append({"shape": spec, "seconds": seconds_per_call(operands(op, m, n, k, gen))})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas(), "shapes": out}))


if __name__ == "__main__":
    main()
