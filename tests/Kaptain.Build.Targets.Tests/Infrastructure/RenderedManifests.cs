using YamlDotNet.RepresentationModel;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>Reads what KaptainRender wrote: each step's file as multi-document YAML.</summary>
internal static class RenderedManifests
{
    public static readonly string[] Steps = ["build", "train", "tune", "publish"];

    /// <summary>The kinds of the documents of a manifest file, in order; fails when the file does not parse.</summary>
    public static IReadOnlyList<string> Kinds(string file) => Documents(file).Select(Kind).ToList();

    public static IReadOnlyList<YamlMappingNode> Documents(string file)
    {
        Assert.True(File.Exists(file), $"{file} was not written.");
        var stream = new YamlStream();
        using (var reader = new StreamReader(file))
        {
            stream.Load(reader);
        }

        var documents = stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToList();
        Assert.NotEmpty(documents);
        return documents;
    }

    public static string Kind(YamlMappingNode document) =>
        ((YamlScalarNode)document.Children[new YamlScalarNode("kind")]).Value!;

    public static Dictionary<string, DateTime> Timestamps(string directory) =>
        Steps.ToDictionary(s => s, s => File.GetLastWriteTimeUtc(Path.Combine(directory, s + ".yaml")));
}
