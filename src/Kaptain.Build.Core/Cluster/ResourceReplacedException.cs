using Kaptain.Build.Cleanup;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cluster;

/// <summary>
/// A delete with a uid precondition found another object under the name: the one that was created is gone, and the one
/// there now is someone else's. Nothing was deleted. <see cref="Warning"/> (<c>KAPT4010</c>) says so.
/// </summary>
public sealed class ResourceReplacedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="resource">What was to be deleted, with the uid it was created with.</param>
    /// <param name="currentUid">The uid of the object that has the name now.</param>
    /// <param name="inner">The server's 409.</param>
    public ResourceReplacedException(ResourceReference resource, string currentUid, Exception? inner = null)
        : this(resource, currentUid, KaptainDiagnostic.Warning("KAPT4010", resource?.ToString(), resource, currentUid, resource?.Uid), inner)
    {
    }

    private ResourceReplacedException(ResourceReference resource, string currentUid, KaptainDiagnostic warning, Exception? inner)
        : base(warning.ToString(), inner)
    {
        Resource = resource ?? throw new ArgumentNullException(nameof(resource));
        CurrentUid = currentUid;
        Warning = warning;
    }

    /// <summary>What was to be deleted, with the uid it was created with.</summary>
    public ResourceReference Resource { get; }

    /// <summary>The uid of the object that has the name now.</summary>
    public string CurrentUid { get; }

    /// <summary>The <c>KAPT4010</c> warning.</summary>
    public KaptainDiagnostic Warning { get; }
}
