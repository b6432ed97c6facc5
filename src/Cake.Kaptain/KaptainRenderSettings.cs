using Cake.Core.IO;

namespace Cake.Kaptain;

/// <summary>Settings of <see cref="KaptainAliases.KaptainRender"/>.</summary>
public sealed class KaptainRenderSettings : KaptainSettings
{
    /// <summary>Where the manifests are written; defaults to <c>obj/kaptain/manifests/</c> beside the project, as in MSBuild.</summary>
    public DirectoryPath? OutputDirectory { get; set; }
}
