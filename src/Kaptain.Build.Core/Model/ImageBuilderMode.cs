namespace Kaptain.Build.Model;

/// <summary>How the model image is built (<c>KaptainImageBuilder</c>).</summary>
public enum ImageBuilderMode
{
    /// <summary>Append to the base image with the generated Dockerfile; Kaniko with the model's own.</summary>
    Auto,

    /// <summary>The whole Dockerfile by Kaniko on the cluster.</summary>
    Kaniko,

    /// <summary>The base image (built by Kaniko once) plus one layer of the model's files, through the registry API.</summary>
    Append,
}
