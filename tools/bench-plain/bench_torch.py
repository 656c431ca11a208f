#!/usr/bin/env python3
"""PyTorch eager reference for scripts/bench.sh: the same two GANs and the same loop as GanCluster's halves.

Goodfellow MLP (G 100-1200-1200-784 ReLU/sigmoid; D maxout 240x5 twice with dropout 0.2/0.5) at batch 100 and
DCGAN 64x64 (width 64, one channel) at batch 16; non-saturating loss, Adam(2e-4, 0.5, 0.999) on both sides.
A round is what LocalTrainer.RunRound does with k = 1: G forward without graph -> D step; G forward with graph,
D's gradient with respect to the fake batch (autograd.grad), G backward with that gradient, G Adam step.
Real batches are random tensors of the right shape (the data path is not what is measured).
Prints one JSON object: steps/s per measured window for each model.
Usage: bench_torch.py WINDOWS MLP_WINDOW DCGAN_WINDOW [THREADS]
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

windows = int(sys.argv[1]) if len(sys.argv) > 1 else 4
mlp_window = int(sys.argv[2]) if len(sys.argv) > 2 else 100
dcgan_window = int(sys.argv[3]) if len(sys.argv) > 3 else 10
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
torch.set_num_threads(threads)
torch.manual_seed(1)


class Maxout(nn.Module):
    def __init__(self, inputs, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(inputs, units * pieces)

    def forward(self, x):
        h = self.linear(x)
        return h.unflatten(h.ndim - 1, (self.units, self.pieces)).amax(-1)


class MlpG(nn.Module):
    def __init__(self, nz=100, hidden=1200):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(nz, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 784)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.uniform_(m.weight, -0.05, 0.05)
                nn.init.zeros_(m.bias)

    def forward(self, z):
        h = F.relu(self.fc1(z))
        h = F.relu(self.fc2(h))
        return torch.sigmoid(self.fc3(h)).view(-1, 1, 28, 28)


class MlpD(nn.Module):
    def __init__(self):
        super().__init__()
        self.maxout1, self.maxout2, self.output = Maxout(784, 240, 5), Maxout(240, 240, 5), nn.Linear(240, 1)
        self.input_dropout, self.hidden_dropout = nn.Dropout(0.2), nn.Dropout(0.5)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.uniform_(m.weight, -0.005, 0.005)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        h = self.maxout1(self.input_dropout(x.flatten(1)))
        h = self.maxout2(self.hidden_dropout(h))
        return self.output(self.hidden_dropout(h)).view(-1)


def dcgan_init(module):
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class DcganG(nn.Module):
    def __init__(self, nz=100, w=64, c=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, w * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(w * 8), nn.ReLU(True),
            nn.ConvTranspose2d(w * 8, w * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(w * 4), nn.ReLU(True),
            nn.ConvTranspose2d(w * 4, w * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(w * 2), nn.ReLU(True),
            nn.ConvTranspose2d(w * 2, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.ConvTranspose2d(w, c, 4, 2, 1, bias=False), nn.Tanh())
        dcgan_init(self)

    def forward(self, z):
        return self.main(z.view(z.shape[0], z.shape[1], 1, 1))


class DcganD(nn.Module):
    def __init__(self, w=64, c=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(c, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, w * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(w * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w * 2, w * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(w * 4), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w * 4, w * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(w * 8), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w * 8, 1, 4, 1, 0, bias=False))
        dcgan_init(self)

    def forward(self, x):
        return self.main(x).view(-1)


def bench(g, d, batch, real_shape, window):
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g.train()
    d.train()

    def round_():
        # D step on a detached fake batch.
        with torch.no_grad():
            fake = g(torch.randn(batch, 100))
        real = torch.rand(real_shape)
        loss_d = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        # G step as two halves: D's gradient with respect to the fake batch, then G backward with it.
        pending = g(torch.randn(batch, 100))
        x = pending.detach().requires_grad_(True)
        loss_g = F.softplus(-d(x)).mean()
        grad, = torch.autograd.grad(loss_g, x)
        opt_g.zero_grad()
        pending.backward(grad)
        opt_g.step()
        return loss_d.item(), loss_g.item()

    rates = []
    for w in range(windows + 1):  # the first window warms up
        start = time.perf_counter()
        for _ in range(window):
            round_()
        if w > 0:
            rates.append(window / (time.perf_counter() - start))
    return rates


result = {
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "blas": sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower()}),
    "mlp": bench(MlpG(), MlpD(), 100, (100, 1, 28, 28), mlp_window),
    "dcgan": bench(DcganG(), DcganD(), 16, (16, 1, 64, 64), dcgan_window),
}
print(json.dumps(result))
