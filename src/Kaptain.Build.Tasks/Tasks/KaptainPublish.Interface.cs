using Microsoft.Build.Framework;

namespace Kaptain.Build.Tasks;

/// <summary>
/// Publishes the model as a KServe InferenceService named after it: creates the S3 Secret, the ServiceAccount and the
/// InferenceService, waits until it is Ready within <c>KaptainPublishTimeout</c>, and returns its URL. An existing
/// deployment is replaced only with <c>KaptainReplace</c>. Used by the <c>KaptainPublish</c> target.
/// </summary>
public sealed partial class KaptainPublish
{
    /// <summary>The image to serve, normally <c>KaptainBuildImage</c>'s <c>Image</c> output; when empty, the image for
    /// the build context's checksum.</summary>
    public string Image { get; set; } = string.Empty;

    /// <summary>The InferenceService's name.</summary>
    [Output]
    public string InferenceServiceName { get; private set; } = string.Empty;

    /// <summary>The URL the model is served at.</summary>
    [Output]
    public string Url { get; private set; } = string.Empty;

    /// <summary>The ready revision, when KServe reports one.</summary>
    [Output]
    public string Revision { get; private set; } = string.Empty;

    /// <summary>Whether an existing InferenceService was replaced.</summary>
    [Output]
    public bool Replaced { get; private set; }

    /// <summary>Old Knative Revisions removed beyond <c>KaptainRevisionsToKeep</c>.</summary>
    [Output]
    public ITaskItem[] RevisionsRemoved { get; private set; } = [];
}
