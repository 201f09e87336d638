#!/usr/bin/python3
"""The reference for bench_lenet_cpu: the same LeNet trained in PyTorch from
Python, as Dive into Deep Learning writes it (d2l.LeNet in section 7.6, the
d2l.Trainer's fit_epoch of section 3.4, minibatches from a DataLoader over a
TensorDataset as d2l's get_tensorloader makes them), on Debian's
python3-torch, the same 1.13 kernels LibTorch runs. d2l's plotting is left
out: it only draws.

Prints one JSON line per measurement, with the fields of bench_lenet_cpu's
training lines:
  {"benchmark":"lenet_cpu","what":"training","impl":"pytorch-d2l","blas":"blas","trials":1,"threads":1,
   "batch_size":128,"images":30000,"repeats":3,"images_per_s":2300.1,"images_per_s_min":...,"images_per_s_max":...}

--loader index draws minibatches as the C++ trial does (the whole set as one
tensor, index_select of a random permutation): the model's kernels alone,
without DataLoader's per-image collation. --trials 2 trains two models at
once in two processes (Python's lock would serialise threads), one thread each.

  scripts/lenet_pytorch_reference.py --train-size 30000 --batch-size 128 --trials 1
"""
import argparse
import gzip
import json
import multiprocessing
import os
import statistics
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def init_cnn(module):
    """d2l's init_cnn: Xavier-uniform weights for convolutions and dense layers."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


class LeNet(nn.Module):
    """d2l.LeNet (a d2l.Classifier there): sigmoid activations, average pooling."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes))

    def forward(self, X):
        return self.net(X)

    def loss(self, Y_hat, Y):
        return F.cross_entropy(Y_hat, Y, reduction='mean')

    def training_step(self, batch):
        return self.loss(self(*batch[:-1]), batch[-1])


def read_idx(path, offset, count, item_size):
    with gzip.open(path, 'rb') as file:
        data = file.read(offset + count * item_size)
    return np.frombuffer(data, dtype=np.uint8, offset=offset)


def load_training_set(data_dir, size):
    """The first `size` training images as d2l's ToTensor makes them, floats in [0, 1], and their labels."""
    images = read_idx(f'{data_dir}/train-images-idx3-ubyte.gz', 16, size, 28 * 28)
    labels = read_idx(f'{data_dir}/train-labels-idx1-ubyte.gz', 8, size, 1)
    return (torch.tensor(images, dtype=torch.float32).reshape(size, 1, 28, 28) / 255,
            torch.tensor(labels, dtype=torch.int64))


def loaded_blas():
    with open('/proc/self/maps') as maps:
        for line in maps:
            if '/libblas.so' in line:
                return line.split()[-1].split('/')[-2]
    return 'none'


class Training:
    """One trial: d2l's Trainer.fit_epoch with SGD, as the chapter sets it up."""

    def __init__(self, data, batch_size, lr, seed, loader):
        torch.manual_seed(seed)
        self.X, self.y = data
        self.batch_size, self.loader = batch_size, loader
        self.model = LeNet()
        self.model(self.X[:1])  # d2l's apply_init: materialise the lazy layers, then initialise
        self.model.net.apply(init_cnn)
        self.optim = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.dataset = torch.utils.data.TensorDataset(self.X, self.y)

    def batches(self):
        if self.loader == 'dataloader':
            return torch.utils.data.DataLoader(self.dataset, self.batch_size, shuffle=True)
        order = torch.randperm(len(self.y))
        return ((self.X.index_select(0, index), self.y.index_select(0, index))
                for index in order.split(self.batch_size))

    def fit_epoch(self, max_steps=None):
        self.model.train()
        for step, batch in enumerate(self.batches()):
            if max_steps is not None and step >= max_steps:
                return
            loss = self.model.training_step(batch)
            self.optim.zero_grad()
            with torch.no_grad():
                loss.backward()
                self.optim.step()


def trial_process(index, args, barrier):
    torch.set_num_threads(1)
    training = Training(load_training_set(args.data_dir, args.train_size), args.batch_size, 0.1, index, args.loader)
    training.fit_epoch(max_steps=10)  # untimed: the first steps allocate and set up kernels
    for _ in range(args.repeats):
        barrier.wait()
        training.fit_epoch()
        barrier.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-dir', default='/usr/share/datasets/fashion-mnist')
    parser.add_argument('--train-size', type=int, default=30000)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--trials', type=int, default=1, help='trainings at once, one process and thread each')
    parser.add_argument('--repeats', type=int, default=3, help='epochs timed')
    parser.add_argument('--loader', choices=['dataloader', 'index'], default='dataloader')
    args = parser.parse_args()

    context = multiprocessing.get_context('spawn')
    barrier = context.Barrier(args.trials + 1)
    processes = [context.Process(target=trial_process, args=(index, args, barrier)) for index in range(args.trials)]
    for process in processes:
        process.start()
    rates = []
    for _ in range(args.repeats):
        barrier.wait()
        start = time.perf_counter()
        barrier.wait()
        rates.append(args.trials * args.train_size / (time.perf_counter() - start))
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f'lenet_pytorch_reference: a trial process failed with exit code {process.exitcode}')
    print(json.dumps({
        'benchmark': 'lenet_cpu', 'what': 'training',
        'impl': 'pytorch-d2l' if args.loader == 'dataloader' else 'pytorch-index',
        'blas': loaded_blas(), 'trials': args.trials, 'threads': args.trials, 'batch_size': args.batch_size,
        'images': args.train_size, 'repeats': args.repeats, 'images_per_s': round(statistics.median(rates), 1),
        'images_per_s_min': round(min(rates), 1), 'images_per_s_max': round(max(rates), 1)}), flush=True)


if __name__ == '__main__':
    main()
