"""Train a small CNN on MNIST with PyTorch, on one process or distributed (PyTorchJob).

Hyperparameters come as --name=value arguments (Kaptain passes KaptainHyperparameter items and, when tuning, the
Katib trial's parameters that way). Metrics are printed as `name=value` lines on stdout, which Katib's StdOut metrics
collector reads: `accuracy=...` and `loss=...` after each epoch on the test set.

The trained model leaves the pod: rank 0 writes it to KAPTAIN_MODEL_URI (s3://bucket/path, where KaptainPublish serves
it from) in the layout KServe's PyTorch runtime, TorchServe, loads: config/config.properties and
model-store/{KAPTAIN_MODEL_NAME}.mar (https://kserve.github.io/website/0.12/modelserving/v1beta1/torchserve/). The S3
credentials, endpoint, region and addressing style come from the environment Kaptain gives the job (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_REGION, S3_USER_VIRTUAL_BUCKET).
"""

import argparse
import os
import subprocess
import tempfile

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def parse_args():
    parser = argparse.ArgumentParser(description="PyTorch MNIST")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--test-batch-size", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.5)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--log-interval", type=int, default=100)
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_DATA_DIR", "/tmp/mnist"))
    parser.add_argument("--model-dir", default=os.environ.get("MODEL_DIR", "/tmp/model"))
    return parser.parse_args()


# TorchServe's configuration as KServe's TorchServe runtime expects it: the model store under /mnt/models (where the
# storage initializer copies the model) and one model loaded at start.
CONFIG_PROPERTIES = """inference_address=http://0.0.0.0:8085
management_address=http://0.0.0.0:8085
metrics_address=http://0.0.0.0:8082
grpc_inference_port=7070
grpc_management_port=7071
enable_metrics_api=true
metrics_format=prometheus
enable_envvars_config=true
install_py_dep_per_model=true
model_store=/mnt/models/model-store
model_snapshot={{"name":"startup.cfg","modelCount":1,"models":{{"{name}":{{"1.0":{{"defaultVersion":true,"marName":"{name}.mar","minWorkers":1,"maxWorkers":1,"batchSize":1,"maxBatchDelay":10,"responseTimeout":120}}}}}}}}
"""


def s3_client():
    """boto3's S3 client for the object store the job's environment names (boto3 reads the credentials itself)."""
    import boto3
    from botocore.config import Config

    virtual = os.environ.get("S3_USER_VIRTUAL_BUCKET", "false").lower() == "true"
    return boto3.client(
        "s3",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        config=Config(s3={"addressing_style": "virtual" if virtual else "path"}),
        verify=os.environ.get("S3_VERIFY_SSL", "1").lower() not in ("0", "false"),
    )


def upload_folder(local_dir, uri):
    """Uploads every file under local_dir to the s3:// URI, keeping the relative paths."""
    if not uri.startswith("s3://"):
        raise ValueError(f"KAPTAIN_MODEL_URI must be an s3:// URI, got {uri!r}")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    client = s3_client()
    for root, _, files in os.walk(local_dir):
        for name in files:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, local_dir).replace(os.sep, "/")
            key = f"{prefix.strip('/')}/{relative}" if prefix.strip("/") else relative
            client.upload_file(path, bucket, key)
            print(f"uploaded s3://{bucket}/{key}", flush=True)


def save_for_torchserve(model, name, work):
    """Writes TorchServe's model store to work/upload: the TorchScript model archived with mnist_handler.py."""
    serialized = os.path.join(work, "model.pt")
    torch.jit.script(model).save(serialized)
    upload = os.path.join(work, "upload")
    store = os.path.join(upload, "model-store")
    config = os.path.join(upload, "config")
    os.makedirs(store, exist_ok=True)
    os.makedirs(config, exist_ok=True)
    handler = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_handler.py")
    subprocess.run(
        ["torch-model-archiver", "--model-name", name, "--version", "1.0", "--serialized-file", serialized,
         "--handler", handler, "--export-path", store, "--force"],
        check=True,
    )
    with open(os.path.join(config, "config.properties"), "w", encoding="utf-8") as f:
        f.write(CONFIG_PROPERTIES.format(name=name))
    return upload


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

    model = Net().to(device)
    if is_distributed():
        model = nn.parallel.DistributedDataParallel(model)
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    else:
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
        trained = model.module if is_distributed() else model
        trained.eval()
        uri = os.environ.get("KAPTAIN_MODEL_URI")
        if uri:
            with tempfile.TemporaryDirectory() as work:
                upload_folder(save_for_torchserve(trained, os.environ.get("KAPTAIN_MODEL_NAME", "mnist"), work), uri)
        else:
            # Run outside Kaptain: keep the weights locally.
            os.makedirs(args.model_dir, exist_ok=True)
            torch.save(trained.state_dict(), os.path.join(args.model_dir, "mnist_cnn.pt"))

    if is_distributed():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
