"""Train a small Keras classifier on MNIST, on one process or distributed across a TFJob's workers.

Hyperparameters come as --name=value arguments (Kaptain passes KaptainHyperparameter items and, when tuning, the
Katib trial's parameters that way). Metrics are printed as `name=value` lines on stdout, which Katib's StdOut metrics
collector reads: `accuracy=...` and `loss=...` on the test set after each epoch. The trained model is exported to
--model-dir (MODEL_DIR), as in the Kaptain.Build samples (samples/mnist-tensorflow/mnist.py); the step's environment
names the model's storage URI in KAPTAIN_MODEL_URI.
"""

import argparse
import json
import os

import tensorflow as tf
import tensorflow_datasets as tfds


def parse_args():
    parser = argparse.ArgumentParser(description="TensorFlow MNIST")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--hidden-units", type=int, default=128)
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_DATA_DIR", "/tmp/tensorflow_datasets"))
    parser.add_argument("--model-dir", default=os.environ.get("MODEL_DIR", "/tmp/model"))
    return parser.parse_args()


def build_model(hidden_units, dropout):
    """A two-layer perceptron: small enough to train on CPUs in a minute."""
    return tf.keras.Sequential(
        [
            tf.keras.layers.Input(shape=(28, 28, 1)),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(hidden_units, activation="relu"),
            tf.keras.layers.Dropout(dropout),
            tf.keras.layers.Dense(10),
        ]
    )


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
            optimizer=tf.keras.optimizers.Adam(args.lr),
            loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )

    model.fit(train, epochs=args.epochs, callbacks=[StdOutMetrics(test)], verbose=2)

    # KServe's TensorFlow server loads a SavedModel from a numbered version folder.
    path = os.path.join(args.model_dir, "1") if is_chief() else os.path.join("/tmp", "worker-model")
    model.export(path)


if __name__ == "__main__":
    main()
