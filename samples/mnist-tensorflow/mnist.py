"""Train a Keras classifier on MNIST, on one process or distributed across a TFJob's workers.

Hyperparameters come as --name=value arguments (Kaptain passes KaptainHyperparameter items and, when tuning, the
Katib trial's parameters that way). Metrics are printed as `name=value` lines on stdout, which Katib's StdOut metrics
collector reads: `accuracy=...` and `loss=...` on the test set after each epoch.

The trained model leaves the pod: worker 0 writes it to KAPTAIN_MODEL_URI (s3://bucket/path, where KaptainPublish
serves it from) as TF Serving loads it: a SavedModel under a numeric version folder, {uri}/{version}/saved_model.pb
(the version is the time of training, so a retrained model is the newest version). The S3 credentials, endpoint,
region and addressing style come from the environment Kaptain gives the job (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_REGION, S3_USER_VIRTUAL_BUCKET).
"""

import argparse
import json
import os
import tempfile
import time

import tensorflow as tf
import tensorflow_datasets as tfds

from model.network import build_model


def parse_args():
    parser = argparse.ArgumentParser(description="TensorFlow MNIST")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    # --lr too: the template project (dotnet new kaptain-model) names it as the PyTorch sample does.
    parser.add_argument("--learning-rate", "--lr", dest="learning_rate", type=float, default=0.001)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--hidden-units", type=int, default=128)
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_DATA_DIR", "/tmp/tensorflow_datasets"))
    parser.add_argument("--model-dir", default=os.environ.get("MODEL_DIR", "/tmp/model"))
    return parser.parse_args()


def normalize(image, label):
    return tf.cast(image, tf.float32) / 255.0, label


def datasets(data_dir, batch_size):
    train, test = tfds.load("mnist", split=["train", "test"], as_supervised=True, data_dir=data_dir)
    train = train.map(normalize).cache().shuffle(10_000).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    test = test.map(normalize).batch(batch_size).cache().prefetch(tf.data.AUTOTUNE)
    return train, test


class StdOutMetrics(tf.keras.callbacks.Callback):
    """Prints the test metrics as name=value lines for Katib's StdOut metrics collector."""

    def __init__(self, test):
        super().__init__()
        self.test = test

    def on_epoch_end(self, epoch, logs=None):
        loss, accuracy = self.model.evaluate(self.test, verbose=0)
        print(f"epoch={epoch + 1}", flush=True)
        print(f"accuracy={accuracy:.4f}", flush=True)
        print(f"loss={loss:.4f}", flush=True)


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


def is_chief():
    # The training operator sets TF_CONFIG for every replica; worker 0 writes the model.
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
    return task.get("type", "worker") in ("worker", "chief") and task.get("index", 0) == 0


def main():
    args = parse_args()
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    global_batch = args.batch_size * strategy.num_replicas_in_sync
    train, test = datasets(args.data_dir, global_batch)

    with strategy.scope():
        model = build_model(args.hidden_units, args.dropout)
        model.compile(
            optimizer=tf.keras.optimizers.Adam(args.learning_rate),
            loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )

    model.fit(train, epochs=args.epochs, callbacks=[StdOutMetrics(test)], verbose=2)

    # Every worker saves (MultiWorkerMirroredStrategy needs all of them to); only worker 0's model is kept.
    uri = os.environ.get("KAPTAIN_MODEL_URI")
    if not is_chief():
        model.export(tempfile.mkdtemp(prefix="worker-model-"))
    elif uri:
        with tempfile.TemporaryDirectory() as work:
            model.export(os.path.join(work, str(int(time.time()))))
            upload_folder(work, uri)
    else:
        # Run outside Kaptain: keep the SavedModel locally.
        model.export(os.path.join(args.model_dir, "1"))


if __name__ == "__main__":
    main()
