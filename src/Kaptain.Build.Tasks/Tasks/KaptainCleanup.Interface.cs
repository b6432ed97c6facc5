using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Removes what earlier runs of the model left behind (a build killed with SIGKILL cannot clean up): resources found
/// by the model's labels and in the journal of killed runs, except the published deployment, and their context objects
/// in the bucket. Tells what it removed. Used by the <c>KaptainCleanup</c> target; the removed resources are in
/// <c>RemovedResources</c>.
/// </summary>
public sealed partial class KaptainCleanup
{
    /// <summary>The leftovers found, <c>Kind namespace/name</c>.</summary>
    [Output]
    public ITaskItem[] FoundResources { get; private set; } = [];

    /// <summary>The context objects removed from the bucket, <c>s3://bucket/key</c>.</summary>
    [Output]
    public ITaskItem[] RemovedObjects { get; private set; } = [];
}
