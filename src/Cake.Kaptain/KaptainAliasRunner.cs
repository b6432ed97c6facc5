using Cake.Core;
using Cake.Core.IO;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;

namespace Cake.Kaptain;

/// <summary>
/// What every alias does around its core call: read and validate the model, turn Ctrl+C (SIGINT), SIGTERM and SIGHUP into
/// cancellation of the core call — which then removes what the run created before it returns — and turn coded
/// diagnostics into a Cake failure.
/// </summary>
internal static class KaptainAliasRunner
{
    public static ModelProject ReadModel(ICakeContext context, KaptainSettings settings)
    {
        var project = ModelProjectReader.Read(context, settings);
        // The folders are the targets' properties, not the model's: the model reader takes only ModelProperties.All.
        var folders = new[] { ModelProjectReader.IntermediateOutputPath, ModelProjectReader.ManifestsDirectory };
        var input = new ModelInput
        {
            ProjectDirectory = project.ProjectDirectory,
            Properties = project.Properties.Where(p => !folders.Contains(p.Key, StringComparer.OrdinalIgnoreCase)).ToDictionary(StringComparer.OrdinalIgnoreCase),
            Items = project.Items,
        };
        var read = ModelDefinitionReader.Read(input);
        var log = new CakeLifecycleLog(context.Log);
        foreach (var diagnostic in read.Diagnostics)
        {
            if (diagnostic.Severity == DiagnosticSeverity.Error)
            {
                log.Error(diagnostic);
            }
            else
            {
                log.Warning(diagnostic);
            }
        }

        var model = read.Model ?? throw new CakeException(Summary(read.Diagnostics));
        // The folders as the targets set them (Kaptain.Build.targets): the project's own, else obj/kaptain/.
        var intermediate = Folder(project, ModelProjectReader.IntermediateOutputPath, model.ProjectDirectory)
            ?? System.IO.Path.Combine(model.ProjectDirectory, "obj", "kaptain");
        var manifests = Folder(project, ModelProjectReader.ManifestsDirectory, model.ProjectDirectory)
            ?? System.IO.Path.Combine(intermediate, "manifests");
        return new ModelProject(model, intermediate, manifests);
    }

    public static string IntermediateDirectory(ICakeContext context, DirectoryPath? configured, ModelProject project) =>
        configured is { } path ? path.MakeAbsolute(context.Environment).FullPath : project.IntermediateDirectory;

    public static LifecycleOptions Options(ICakeContext context, KaptainLifecycleSettings settings, ModelProject project, string? image = null)
    {
        var model = project.Model;
        ImageReference? reference = null;
        if (!string.IsNullOrWhiteSpace(image) && !ImageReference.TryParse(image, out reference))
        {
            throw new CakeException(KaptainDiagnostic.Error("KAPT2304", "Image", image).ToString());
        }

        return new LifecycleOptions
        {
            Model = model,
            IntermediateDirectory = IntermediateDirectory(context, settings.IntermediateDirectory, project),
            Log = new CakeLifecycleLog(context.Log),
            Image = reference,
        };
    }

    /// <summary>Runs a core call with a token that Ctrl+C, SIGTERM and SIGHUP cancel, and reports its failure to Cake.</summary>
    public static T Run<T>(ICakeContext context, Func<CancellationToken, Task<T>> call)
    {
        using var cancellation = new CancellationTokenSource();
        // Keep the process alive on the first signal so the core can remove what the run created; the core returns
        // (with OperationCanceledException) once cleanup is done. Cake handles no signal itself.
        using var signals = TerminationSignals.Register(cancellation, includeInterrupt: true);
        try
        {
            // Cake aliases are synchronous; this is the one place the async core is waited on.
            return Task.Run(() => call(cancellation.Token)).GetAwaiter().GetResult();
        }
        catch (KaptainException e)
        {
            throw new CakeException(Summary(e.Diagnostics), e);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            var reason = signals.StopReason ?? "A cancellation";
            throw new CakeException(KaptainDiagnostic.Error("KAPT4020", reason, reason, "the Kaptain alias").ToString());
        }
    }

    private static string? Folder(ModelInput input, string property, string projectDirectory) =>
        input.Properties.TryGetValue(property, out var value) && !string.IsNullOrWhiteSpace(value)
            ? System.IO.Path.GetFullPath(value.Trim(), projectDirectory)
            : null;

    private static string Summary(IReadOnlyList<KaptainDiagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
}
