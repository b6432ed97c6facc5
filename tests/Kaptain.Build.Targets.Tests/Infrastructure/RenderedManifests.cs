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

    /// <summary>The decoded values of a Secret's <c>data</c> and the values of its <c>stringData</c>.</summary>
    public static IEnumerable<string> SecretValues(YamlMappingNode secret)
    {
        foreach (var (key, decode) in new[] { ("data", true), ("stringData", false) })
        {
            if (secret.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlMappingNode values)
            {
                foreach (var value in values.Children.Values.Cast<YamlScalarNode>())
                {
                    yield return decode ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value.Value!)) : value.Value!;
                }
            }
        }
    }

    public static Dictionary<string, DateTime> Timestamps(string directory) =>
        Steps.ToDictionary(s => s, s => File.GetLastWriteTimeUtc(Path.Combine(directory, s + ".yaml")));
}
