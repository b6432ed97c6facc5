namespace Kaptain.Build.Cluster;

/// <summary>
/// The API server answered a <c>pods/log</c> request with <c>204 No Content</c>: there is no log to stream yet. A real
/// API server does so for a pod that is not bound to a node (kubernetes/kubernetes pkg/registry/core/pod/strategy.go,
/// <c>LogLocation</c> returns no location; staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters
/// <c>StreamObject</c> writes 204 for a nil stream). It is not a failure: ask again when the pod has moved on.
/// </summary>
public sealed class PodLogNotAvailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PodLogNotAvailableException()
        : base("The API server has no log for the container yet (204 No Content).")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PodLogNotAvailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PodLogNotAvailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
