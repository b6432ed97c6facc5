using System.Xml.Linq;

namespace Kaptain.Build.Reliability.Tests.Corpus;

/// <summary>
/// One malformed model project: the sample with some properties set (an empty value removes nothing: it sets the
/// property empty), some items added, and a change to its files, and the KAPT code it must end with.
/// </summary>
/// <param name="Name">What is wrong, for the figures table.</param>
/// <param name="Category">types, ranges, names, files, quantities, references, encodings, tuning, credentials, cluster.</param>
/// <param name="ExpectedCode">The error the run must report.</param>
public sealed record BadInputCase(string Name, string Category, string ExpectedCode)
{
    /// <summary>Properties set on the project.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>Items added to the project (type, include, metadata).</summary>
    public IReadOnlyList<(string Type, string Include, (string Name, string Value)[] Metadata)> Items { get; init; } = [];

    /// <summary>Item types removed from the project first.</summary>
    public IReadOnlyList<string> RemoveItems { get; init; } = [];

    /// <summary>Changes the project folder (files, credential files) and the environment, after it was written.</summary>
    public Action<string, Dictionary<string, string>>? Arrange { get; init; }

    /// <summary>Whether the model is valid and the error comes from a lifecycle step (credentials, cluster).</summary>
    public bool FailsInStep { get; init; }

    /// <summary>Mutating requests the case sends that the API rejects without changing anything (the namespace probe).</summary>
    public int RejectedCreates { get; init; }

    /// <summary>Writes the project (a copy of <paramref name="sampleDirectory"/> with this case applied) to <paramref name="directory"/>.</summary>
    public string Write(string sampleDirectory, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(sampleDirectory))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }

        var projectPath = Directory.EnumerateFiles(directory, "*.proj").Single();
        var document = XDocument.Load(projectPath);
        var root = document.Root!;
        foreach (var type in RemoveItems)
        {
            root.Descendants(type).Remove();
        }

        var properties = new XElement("PropertyGroup");
        foreach (var (name, value) in Properties)
        {
            root.Descendants(name).Remove();
            properties.Add(new XElement(name, value));
        }

        root.Add(properties);
        var items = new XElement("ItemGroup");
        foreach (var (type, include, metadata) in Items)
        {
            items.Add(new XElement(type, new XAttribute("Include", include), metadata.Select(m => new XAttribute(m.Name, m.Value))));
        }

        root.Add(items);
        document.Save(projectPath);
        return projectPath;
    }

    /// <inheritdoc />
    public override string ToString() => $"{ExpectedCode} {Name}";
}
