"""TorchServe handler for the MNIST model (archived into the .mar by mnist.py): a grayscale digit image in, the digit
out. Runs inside KServe's TorchServe predictor, which provides the ts package."""

from torchvision import transforms
from ts.torch_handler.image_classifier import ImageClassifier


class MNISTDigitClassifier(ImageClassifier):
    # The normalization mnist.py trains with.
    image_processing = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])

    def postprocess(self, data):
        return data.argmax(1).tolist()
