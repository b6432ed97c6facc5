using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>
/// Turns a <see cref="ModelInput"/> into a <see cref="ModelDefinition"/>: applies defaults, parses every value and
/// checks every rule, collecting all diagnostics rather than stopping at the first. Each settings group has its own
/// parser; this class runs them in a fixed order, so the diagnostics come out in that order.
/// </summary>
internal sealed class ModelDefinitionParser
{
    private readonly ModelParseContext context;

    internal ModelDefinitionParser(ModelInput input) => context = new ModelParseContext(input);

    internal ModelReadResult Parse()
    {
        var input = context.Input;
        foreach (var property in input.Properties.Keys)
        {
            if (property.StartsWith("Kaptain", StringComparison.OrdinalIgnoreCase) && ModelProperties.Find(property) is null)
            {
                context.Error(UnknownProperty, property, property);
            }
        }

        foreach (var item in input.Items)
        {
            if (item.ItemType.StartsWith("Kaptain", StringComparison.OrdinalIgnoreCase) && ModelItemTypes.Find(item.ItemType) is null)
            {
                context.Error(UnknownItemType, item.ItemType, item.ItemType);
            }
        }

        var modelParser = new ModelSettingsParser(context);
        var id = modelParser.Id();
        var name = modelParser.Name(id);
        var version = modelParser.Version();
        var framework = modelParser.Framework();
        var frameworkVersion = modelParser.FrameworkVersion(framework);
        var baseImage = modelParser.BaseImage(framework, frameworkVersion);
        var mainFile = modelParser.MainFile();
        var files = modelParser.Files();
        var requirements = modelParser.OptionalFile(P.RequirementsFile);
        var dockerfile = modelParser.OptionalFile(P.Dockerfile);
        var registry = new RegistrySettingsParser(context).Parse();
        var image = modelParser.Image(id, registry.Host);
        var storage = new StorageSettingsParser(context).Parse();
        var cluster = new ClusterSettingsParser(context).Parse();
        var labels = modelParser.Labels();
        var environment = modelParser.Environment();
        var train = new TrainSettingsParser(context).Parse();
        var tune = new TuneSettingsParser(context).Parse();
        var publish = new PublishSettingsParser(context).Parse(id, version, storage);
        var builder = new BuilderSettingsParser(context).Parse(registry.Host);

        var diagnostics = context.Diagnostics;
        if (diagnostics.Count > 0 || id is null || name is null || framework is null || frameworkVersion is null
            || baseImage is null || mainFile is null || image is null || storage is null || publish is null)
        {
            return new ModelReadResult(null, diagnostics);
        }

        var model = new ModelDefinition
        {
            ProjectDirectory = context.ProjectDirectory,
            Id = id,
            Name = name,
            Description = context.Value(P.ModelDescription),
            Version = version,
            Framework = framework.Value,
            FrameworkVersion = frameworkVersion,
            MainFile = mainFile,
            Files = files,
            RequirementsFile = requirements,
            Dockerfile = dockerfile,
            BaseImage = baseImage,
            Image = image,
            Labels = labels,
            Environment = environment,
            Registry = registry with { Host = image.Domain ?? "docker.io" },
            Storage = storage,
            Cluster = cluster,
            Train = train,
            Tune = tune,
            Publish = publish,
            Builder = builder,
        };
        return new ModelReadResult(model, diagnostics);
    }
}
