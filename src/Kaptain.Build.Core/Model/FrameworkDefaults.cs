namespace Kaptain.Build.Model;

/// <summary>What each framework defaults to: its version, its base image, its training kind and its predictor.</summary>
public static class FrameworkDefaults
{
    // The CUDA/cuDNN part of PyTorch's tags changes between releases, so only versions whose tags are known are
    // defaulted; any other version needs KaptainBaseImage.
    private static readonly Dictionary<string, string> PyTorchImages = new(StringComparer.Ordinal)
    {
        ["2.4.1"] = "pytorch/pytorch:2.4.1-cuda12.1-cudnn9-runtime",
        ["2.4.0"] = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
        ["2.3.1"] = "pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime",
        ["2.2.2"] = "pytorch/pytorch:2.2.2-cuda12.1-cudnn8-runtime",
        ["2.1.2"] = "pytorch/pytorch:2.1.2-cuda12.1-cudnn8-runtime",
    };

    /// <summary>The framework names <c>KaptainFramework</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["tensorflow", "pytorch"];

    /// <summary>Parses a <c>KaptainFramework</c> value (case-insensitive).</summary>
    public static bool TryParse(string text, out ModelFramework framework)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "tensorflow":
                framework = ModelFramework.TensorFlow;
                return true;
            case "pytorch":
                framework = ModelFramework.PyTorch;
                return true;
            default:
                framework = default;
                return false;
        }
    }

    /// <summary>The name of <paramref name="framework"/> as <c>KaptainFramework</c> spells it.</summary>
    public static string Name(this ModelFramework framework) => framework == ModelFramework.TensorFlow ? "tensorflow" : "pytorch";

    /// <summary>The framework version used when <c>KaptainFrameworkVersion</c> is empty.</summary>
    public static string DefaultVersion(ModelFramework framework) => framework == ModelFramework.TensorFlow ? "2.16.1" : "2.4.1";

    /// <summary>The base image used when <c>KaptainBaseImage</c> is empty, or <see langword="null"/> when the version has none.</summary>
    public static string? DefaultBaseImage(ModelFramework framework, string version) => framework switch
    {
        // tensorflow/tensorflow publishes a tag for every release.
        ModelFramework.TensorFlow => $"tensorflow/tensorflow:{version}",
        _ => PyTorchImages.GetValueOrDefault(version),
    };
}
