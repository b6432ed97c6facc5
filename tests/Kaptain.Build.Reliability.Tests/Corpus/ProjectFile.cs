using System.Xml.Linq;
using Kaptain.Build.Model;

namespace Kaptain.Build.Reliability.Tests.Corpus;

/// <summary>
/// Reads a model project file as the MSBuild front hands it to the core: every <c>Kaptain*</c> property (the last
/// definition wins) and every <c>Kaptain*</c> item with its metadata (attributes and child elements). The corpus
/// projects have no conditions or property functions, so this is what MSBuild evaluates them to.
/// </summary>
public static class ProjectFile
{
    /// <summary>The model input of the project at <paramref name="path"/>.</summary>
    public static ModelInput Read(string path, IReadOnlyDictionary<string, string> extraProperties, IReadOnlyDictionary<string, string> environment)
    {
        var document = XDocument.Load(path);
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var items = new List<ModelItem>();
        foreach (var group in document.Root!.Elements("PropertyGroup"))
        {
            foreach (var property in group.Elements().Where(e => e.Name.LocalName.StartsWith("Kaptain", StringComparison.Ordinal)))
            {
                properties[property.Name.LocalName] = property.Value;
            }
        }

        foreach (var group in document.Root.Elements("ItemGroup"))
        {
            foreach (var item in group.Elements().Where(e => e.Name.LocalName.StartsWith("Kaptain", StringComparison.Ordinal)))
            {
                var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var attribute in item.Attributes().Where(a => a.Name.LocalName != "Include"))
                {
                    metadata[attribute.Name.LocalName] = attribute.Value;
                }

                foreach (var child in item.Elements())
                {
                    metadata[child.Name.LocalName] = child.Value;
                }

                foreach (var spec in (item.Attribute("Include")?.Value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    items.Add(new ModelItem(item.Name.LocalName, spec, metadata));
                }
            }
        }

        foreach (var (name, value) in extraProperties)
        {
            properties[name] = value;
        }

        return new ModelInput
        {
            ProjectDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!,
            Properties = properties,
            Items = items,
            Environment = environment,
        };
    }
}
