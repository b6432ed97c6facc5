namespace Kaptain.Build.Model;

/// <summary>The machine-learning framework of a model (<c>KaptainFramework</c>).</summary>
public enum ModelFramework
{
    /// <summary>TensorFlow: trained with a TFJob, served with the KServe <c>tensorflow</c> predictor.</summary>
    TensorFlow,

    /// <summary>PyTorch: trained with a PyTorchJob, served with the KServe <c>pytorch</c> predictor.</summary>
    PyTorch,
}
