using System.Text.RegularExpressions;
using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>
/// Reads the model itself: its id, name and version, framework and base image, files, image name, labels and
/// environment variables. Each part is its own method because <see cref="ModelDefinitionParser"/> reads them
/// interleaved with the other settings groups (the image name needs the registry).
/// </summary>
internal sealed partial class ModelSettingsParser(ModelParseContext context)
{
    /// <summary>The longest model name for which every derived name (Katib trial pods, KServe services) still fits.</summary>
    internal const int MaxModelNameLength = 32;

    internal string? Id()
    {
        var id = context.Value(P.ModelId);
        if (id is null)
        {
            context.Error(RequiredPropertyMissing, P.ModelId, P.ModelId);
            return null;
        }

        var segments = id.Split('/');
        if (segments.Any(s => !KubernetesNames.IsDns1123Label(s)) || KubernetesNames.ToLabelValue(id) != id.Replace('/', '-'))
        {
            context.Error(InvalidModelId, P.ModelId, id);
            return null;
        }

        return id;
    }

    internal string? Name(string? id)
    {
        var name = context.Value(P.ModelName) ?? id?.Split('/')[^1];
        if (name is null)
        {
            return null;
        }

        if (name.Length > MaxModelNameLength || !KubernetesNames.IsDns1035Label(name))
        {
            context.Error(InvalidKubernetesName, P.ModelName, P.ModelName, name,
                $"an RFC 1035 label (lowercase letters, digits and '-', starting with a letter) of at most {MaxModelNameLength} characters");
            return null;
        }

        return name;
    }

    /// <summary>The version; a bad one is reported but still returned (the model is rejected by the diagnostic).</summary>
    internal string Version()
    {
        var version = context.Value(P.ModelVersion)!;
        if (!ModelVersionRegex().IsMatch(version))
        {
            context.Error(InvalidModelVersion, P.ModelVersion, version);
        }

        return version;
    }

    internal ModelFramework? Framework()
    {
        var text = context.Value(P.Framework);
        if (text is null)
        {
            context.Error(RequiredPropertyMissing, P.Framework, P.Framework);
            return null;
        }

        if (!FrameworkDefaults.TryParse(text, out var framework))
        {
            context.Error(UnknownFramework, P.Framework, text, string.Join(", ", FrameworkDefaults.Names));
            return null;
        }

        return framework;
    }

    internal string? FrameworkVersion(ModelFramework? framework) =>
        context.Value(P.FrameworkVersion) ?? (framework is { } f ? FrameworkDefaults.DefaultVersion(f) : null);

    internal string? BaseImage(ModelFramework? framework, string? frameworkVersion)
    {
        var text = context.Value(P.BaseImage);
        if (text is not null)
        {
            return context.Image(P.BaseImage, text)?.ToString();
        }

        if (framework is null || frameworkVersion is null)
        {
            return null;
        }

        var image = FrameworkDefaults.DefaultBaseImage(framework.Value, frameworkVersion);
        if (image is null || !ImageReference.TryParse(image, out _))
        {
            // A model with its own Dockerfile does not need a base image; keep the framework image name for reference.
            if (context.Value(P.Dockerfile) is not null)
            {
                return $"{framework.Value.Name()}:{frameworkVersion}";
            }

            context.Error(NoDefaultBaseImage, P.BaseImage, framework.Value.Name(), frameworkVersion);
            return null;
        }

        return image;
    }

    internal ModelFile? MainFile()
    {
        var text = context.Value(P.MainFile);
        if (text is null)
        {
            context.Error(RequiredPropertyMissing, P.MainFile, P.MainFile);
            return null;
        }

        return ResolveFile(P.MainFile, text, link: null);
    }

    internal List<ModelFile> Files()
    {
        var files = new List<ModelFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in context.Items(ModelItemTypes.File))
        {
            var file = ResolveFile(ModelItemTypes.File, item.ItemSpec, item.GetMetadata("Link"));
            if (file is not null && seen.Add(file.ContextPath))
            {
                files.Add(file);
            }
        }

        return files;
    }

    /// <summary>A file that may be absent: an explicit value must exist, a default (requirements.txt) is used only when it does.</summary>
    internal ModelFile? OptionalFile(string property)
    {
        var explicitValue = context.Value(property, applyDefault: false);
        var text = explicitValue ?? ModelProperties.Find(property)!.DefaultValue;
        if (text is null)
        {
            return null;
        }

        if (explicitValue is null && !File.Exists(context.FullPath(text)))
        {
            return null;
        }

        return ResolveFile(property, text, link: null);
    }

    /// <summary>The model's image: <c>KaptainImageName</c> (default: the id), on the model's registry unless it names one.</summary>
    internal ImageReference? Image(string? id, string? registryHost)
    {
        var text = context.Value(P.ImageName) ?? id;
        if (text is null)
        {
            return null;
        }

        var image = context.Image(P.ImageName, text);
        if (image is null)
        {
            return null;
        }

        if (image.Digest is not null)
        {
            context.Error(ImageNameHasDigest, P.ImageName, text);
            return null;
        }

        if (image.Domain is null && !string.IsNullOrEmpty(registryHost))
        {
            image = image with { Domain = registryHost };
        }

        return image;
    }

    internal Dictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in context.Items(ModelItemTypes.Label))
        {
            var key = item.ItemSpec.Trim();
            var value = item.GetMetadata("Value") ?? string.Empty;
            if (!KubernetesNames.IsQualifiedName(key) || !KubernetesNames.IsLabelValue(value)
                || key.StartsWith("kaptain.build/", StringComparison.Ordinal) || key == "app.kubernetes.io/managed-by")
            {
                context.Error(InvalidLabel, ModelItemTypes.Label, key, value);
            }
            else if (!labels.TryAdd(key, value))
            {
                context.Error(DuplicateItem, ModelItemTypes.Label, ModelItemTypes.Label, key);
            }
        }

        return labels;
    }

    internal List<KeyValuePair<string, string>> Environment() =>
        context.NameValueItems(ModelItemTypes.EnvironmentVariable, name =>
        {
            if (!KubernetesNames.IsEnvironmentVariableName(name))
            {
                context.Error(InvalidEnvironmentVariableName, ModelItemTypes.EnvironmentVariable, name);
                return false;
            }

            return true;
        }, valueRequired: false);

    private ModelFile? ResolveFile(string subject, string path, string? link)
    {
        var fullPath = context.FullPath(path);
        if (!File.Exists(fullPath))
        {
            context.Error(FileNotFound, subject, subject, fullPath);
            return null;
        }

        var relative = Path.GetRelativePath(context.ProjectDirectory, fullPath).Replace('\\', '/');
        var contextPath = link?.Replace('\\', '/').TrimStart('/') ?? relative;
        if (contextPath.StartsWith("../", StringComparison.Ordinal) || contextPath == ".." || Path.IsPathRooted(contextPath)
            || contextPath.Split('/').Contains(".."))
        {
            context.Error(FileOutsideProject, subject, subject, fullPath);
            return null;
        }

        return new ModelFile(contextPath, fullPath);
    }

    // The version becomes a path segment of the model URI and an annotation.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.+-]*$")]
    private static partial Regex ModelVersionRegex();
}
