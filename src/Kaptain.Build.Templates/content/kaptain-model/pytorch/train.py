"""Train a small classifier on MNIST with PyTorch, on one process or distributed (PyTorchJob).

Hyperparameters come as --name=value arguments (Kaptain passes KaptainHyperparameter items and, when tuning, the
Katib trial's parameters that way). Metrics are printed as `name=value` lines on stdout, which Katib's StdOut metrics
collector reads: `accuracy=...` and `loss=...` after each epoch on the test set. The trained model is written to
--model-dir (MODEL_DIR), as in the Kaptain.Build samples (samples/mnist-pytorch/mnist.py); the step's environment
names the model's storage URI in KAPTAIN_MODEL_URI.
"""

import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torchvision import datasets, transforms


class Net(nn.Module):
    """A two-layer perceptron: small enough to train on CPUs in a minute."""

    def __init__(self, hidden_units=128):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden_units)
        self.fc2 = nn.Linear(hidden_units, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def parse_args():
    parser = argparse.ArgumentParser(description="PyTorch MNIST")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--test-batch-size", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.5)
    parser.add_argument("--hidden-units", type=int, default=128)
    parser.add_argument("--log-interval", type=int, default=100)
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_DATA_DIR", "/tmp/mnist"))
    parser.add_argument("--model-dir", default=os.environ.get("MODEL_DIR", "/tmp/model"))
    return parser.parse_args()


def is_distributed():
    # The training operator sets WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT for every replica.
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def train(args, model, device, loader, optimizer, epoch):
    model.train()
    for batch, (data, target) in enumerate(loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        if batch % args.log_interval == 0:
            print(f"epoch {epoch} [{batch * len(data)}/{len(loader.dataset)}] train-loss={loss.item():.4f}", flush=True)


def test(model, device, loader):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(dim=1).eq(target).sum().item()
    count = len(loader.dataset)
    return correct / count, loss / count


def main():
    args = parse_args()
    torch.manual_seed(1)
    use_cuda = torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")

    if is_distributed():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.MNIST(args.data_dir, train=True, download=True, transform=transform)
    test_set = datasets.MNIST(args.data_dir, train=False, download=True, transform=transform)
    sampler = DistributedSampler(train_set) if is_distributed() else None
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=sampler is None, sampler=sampler)
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size)

    model = Net(args.hidden_units).to(device)
    if is_distributed():
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)

    for epoch in range(1, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        train(args, model, device, train_loader, optimizer, epoch)
        accuracy, loss = test(model, device, test_loader)
        # Katib's StdOut collector reads these name=value pairs; the last reported value of each counts.
        print(f"epoch={epoch}", flush=True)
        print(f"accuracy={accuracy:.4f}", flush=True)
        print(f"loss={loss:.4f}", flush=True)

    if not is_distributed() or dist.get_rank() == 0:
        os.makedirs(args.model_dir, exist_ok=True)
        state = model.module.state_dict() if is_distributed() else model.state_dict()
        torch.save(state, os.path.join(args.model_dir, "model.pt"))

    if is_distributed():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
