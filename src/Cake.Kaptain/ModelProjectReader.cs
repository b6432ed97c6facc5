using System.Text.Json;
using Cake.Core;
using Cake.Core.IO;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;

namespace Cake.Kaptain;

/// <summary>
/// Reads a model project's <c>Kaptain*</c> properties and items from MSBuild itself
/// (<c>dotnet msbuild -getProperty:… -getItem:…</c>), so that a Cake script and <c>dotnet build</c> share one
/// definition, then applies the settings' overrides.
/// </summary>
internal static class ModelProjectReader
{
    /// <summary>Where the targets keep their state (journals, run reports); read as the targets evaluate it.</summary>
    public const string IntermediateOutputPath = "KaptainIntermediateOutputPath";

    /// <summary>Where <c>KaptainRender</c> writes the manifests.</summary>
    public const string ManifestsDirectory = "KaptainManifestsDirectory";

    // Metadata MSBuild adds to every item; the model's own metadata is everything else.
    private static readonly HashSet<string> WellKnownMetadata = new(StringComparer.OrdinalIgnoreCase)
    {
        "Identity", "FullPath", "RootDir", "Filename", "Extension", "RelativeDir", "Directory", "RecursiveDir",
        "ModifiedTime", "CreatedTime", "AccessedTime", "DefiningProjectFullPath", "DefiningProjectDirectory",
        "DefiningProjectName", "DefiningProjectExtension",
    };

    public static ModelInput Read(ICakeContext context, KaptainSettings settings)
    {
        var project = ResolveProject(context, settings);
        var arguments = new ProcessArgumentBuilder()
            .Append("msbuild")
            .AppendQuoted(project.FullPath)
            .Append("-nologo");
        foreach (var property in ModelProperties.All)
        {
            arguments.Append($"-getProperty:{property.Name}");
        }

        arguments.Append($"-getProperty:{IntermediateOutputPath}").Append($"-getProperty:{ManifestsDirectory}");

        foreach (var itemType in ModelItemTypes.All)
        {
            arguments.Append($"-getItem:{itemType.Name}");
        }

        using var process = context.ProcessRunner.Start(
            "dotnet",
            new ProcessSettings
            {
                Arguments = arguments,
                WorkingDirectory = project.GetDirectory(),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Silent = true,
            });
        // Wait first: Cake's GetStandardOutput drains its queue until the process has exited, and a process can have
        // exited before its last output lines reach that queue (they are read asynchronously), so reading first could
        // lose all of MSBuild's JSON ("The input does not contain any JSON tokens" on a loaded machine). WaitForExit()
        // without a timeout returns once the redirected streams have ended (System.Diagnostics.Process).
        process.WaitForExit();
        var output = string.Join('\n', process.GetStandardOutput());
        var errors = string.Join('\n', process.GetStandardError());
        if (process.GetExitCode() != 0)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2301", project.FullPath, project.FullPath, Tail(output + "\n" + errors)));
        }

        try
        {
            return Parse(project.FullPath, output, settings);
        }
        catch (JsonException)
        {
            // Not the JSON that -getProperty/-getItem print: say what MSBuild printed instead of a parser's message.
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2301", project.FullPath, project.FullPath, Tail(output + "\n" + errors)));
        }
    }

    internal static ModelInput Parse(string projectFile, string json, KaptainSettings settings)
    {
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var items = new List<ModelItem>();
        using (var document = JsonDocument.Parse(json))
        {
            if (document.RootElement.TryGetProperty("Properties", out var values))
            {
                foreach (var value in values.EnumerateObject())
                {
                    properties[value.Name] = value.Value.GetString() ?? string.Empty;
                }
            }

            if (document.RootElement.TryGetProperty("Items", out var itemGroups))
            {
                foreach (var group in itemGroups.EnumerateObject())
                {
                    foreach (var item in group.Value.EnumerateArray())
                    {
                        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                        string include = string.Empty;
                        foreach (var entry in item.EnumerateObject())
                        {
                            if (entry.NameEquals("Identity"))
                            {
                                include = entry.Value.GetString() ?? string.Empty;
                            }
                            else if (!WellKnownMetadata.Contains(entry.Name))
                            {
                                metadata[entry.Name] = entry.Value.GetString() ?? string.Empty;
                            }
                        }

                        items.Add(new ModelItem(group.Name, include, metadata));
                    }
                }
            }
        }

        foreach (var (name, value) in settings.ModelProperties)
        {
            properties[name] = value;
        }

        // An item set in code replaces the project's item of the same type and name (a hyperparameter's value, say).
        items.RemoveAll(i => settings.ModelItems.Any(o =>
            string.Equals(o.ItemType, i.ItemType, StringComparison.OrdinalIgnoreCase) && string.Equals(o.Include, i.ItemSpec, StringComparison.Ordinal)));
        items.AddRange(settings.ModelItems.Select(i => new ModelItem(i.ItemType, i.Include, i.Metadata)));
        return new ModelInput
        {
            ProjectDirectory = System.IO.Path.GetDirectoryName(projectFile)!,
            Properties = properties,
            Items = items,
        };
    }

    private static FilePath ResolveProject(ICakeContext context, KaptainSettings settings)
    {
        if (settings.ProjectFile is null)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2302", "ProjectFile"));
        }

        var project = settings.ProjectFile.MakeAbsolute(context.Environment);
        if (!context.FileSystem.Exist(project))
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT2303", "ProjectFile", project.FullPath));
        }

        return project;
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, lines.TakeLast(10));
    }
}
