using Cake.Core.IO;
using Kaptain.Build.Model;

namespace Cake.Kaptain;

/// <summary>Fluent setters for every <see cref="KaptainSettings"/>.</summary>
public static class KaptainSettingsExtensions
{
    /// <summary>Sets the model project whose properties and items define the model.</summary>
    public static T WithProject<T>(this T settings, FilePath project)
        where T : KaptainSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ProjectFile = project;
        return settings;
    }

    /// <summary>Overrides one model property, for example <c>WithProperty("KaptainWorkers", "4")</c>.</summary>
    public static T WithProperty<T>(this T settings, string name, string value)
        where T : KaptainSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(name);
        settings.ModelProperties[name] = value ?? string.Empty;
        return settings;
    }

    /// <summary>Adds a model item, for example <c>WithItem("KaptainHyperparameter", "lr", ("Value", "0.01"))</c>.</summary>
    public static T WithItem<T>(this T settings, string itemType, string include, params (string Name, string Value)[] metadata)
        where T : KaptainSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.ModelItems.Add(new KaptainItem(itemType, include, metadata.ToDictionary(m => m.Name, m => m.Value, StringComparer.OrdinalIgnoreCase)));
        return settings;
    }

    /// <summary>Sets a hyperparameter passed to the main file as <c>--name=value</c>, replacing the project's value of that name.</summary>
    public static T WithHyperparameter<T>(this T settings, string name, string value)
        where T : KaptainSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        var existing = settings.ModelItems.Where(i => i.ItemType == "KaptainHyperparameter" && i.Include == name).ToList();
        existing.ForEach(i => settings.ModelItems.Remove(i));
        return settings.WithItem("KaptainHyperparameter", name, ("Value", value));
    }

    /// <summary>Sets the kubeconfig file (<c>KaptainKubeconfig</c>).</summary>
    public static T WithKubeconfig<T>(this T settings, FilePath kubeconfig)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.Kubeconfig, kubeconfig.FullPath);

    /// <summary>Sets the kubeconfig context (<c>KaptainKubeContext</c>).</summary>
    public static T WithContext<T>(this T settings, string context)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.KubeContext, context);

    /// <summary>Sets the namespace the resources are created in (<c>KaptainNamespace</c>).</summary>
    public static T WithNamespace<T>(this T settings, string @namespace)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.Namespace, @namespace);

    /// <summary>Creates the namespace when it does not exist, as helm's <c>--create-namespace</c>; it is never removed
    /// (<c>KaptainCreateNamespace</c>).</summary>
    public static T WithCreateNamespace<T>(this T settings, bool create = true)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.CreateNamespace, create ? "true" : "false");

    /// <summary>Sets the S3 endpoint for the build context and the model storage (<c>KaptainS3Endpoint</c>).</summary>
    public static T WithS3Endpoint<T>(this T settings, string endpoint)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.S3Endpoint, endpoint);

    /// <summary>Removes the training job after it completes (<c>KaptainForceCleanup</c>).</summary>
    public static T WithForceCleanup<T>(this T settings, bool forceCleanup = true)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.ForceCleanup, forceCleanup ? "true" : "false");

    /// <summary>Deletes the Katib experiment after tuning (<c>KaptainDeleteExperiment</c>).</summary>
    public static T WithDeleteExperiment<T>(this T settings, bool delete = true)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.DeleteExperiment, delete ? "true" : "false");

    /// <summary>Replaces an existing deployment of the model (<c>KaptainReplace</c>).</summary>
    public static T WithReplace<T>(this T settings, bool replace = true)
        where T : KaptainSettings => settings.WithProperty(ModelProperties.Replace, replace ? "true" : "false");

    /// <summary>Sets where the run keeps its journal and reports (default <c>obj/kaptain/</c> beside the project).</summary>
    public static T WithIntermediateDirectory<T>(this T settings, DirectoryPath path)
        where T : KaptainLifecycleSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.IntermediateDirectory = path;
        return settings;
    }

    /// <summary>Sets the image to run (as returned by <c>KaptainBuildImage</c>), so the alias does not build it again.</summary>
    public static KaptainTrainSettings WithImage(this KaptainTrainSettings settings, string image)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Image = image;
        return settings;
    }

    /// <summary>Sets the image to run (as returned by <c>KaptainBuildImage</c>), so the alias does not build it again.</summary>
    public static KaptainTuneSettings WithImage(this KaptainTuneSettings settings, string image)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Image = image;
        return settings;
    }

    /// <summary>Sets the image to run (as returned by <c>KaptainBuildImage</c>), so the alias does not build it again.</summary>
    public static KaptainPublishSettings WithImage(this KaptainPublishSettings settings, string image)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Image = image;
        return settings;
    }

    /// <summary>Sets where the manifests are written (default <c>obj/kaptain/manifests/</c> beside the project).</summary>
    public static KaptainRenderSettings WithOutputDirectory(this KaptainRenderSettings settings, DirectoryPath directory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.OutputDirectory = directory;
        return settings;
    }
}
