using System.Runtime.InteropServices;
using Cake.Core;
using Cake.Core.IO;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;

namespace Cake.Kaptain;

/// <summary>
/// What every alias does around its core call: read and validate the model, turn Ctrl+C (SIGINT) and SIGTERM into
/// cancellation of the core call — which then removes what the run created before it returns — and turn coded
/// diagnostics into a Cake failure.
/// </summary>
internal static class KaptainAliasRunner
{
    public static ModelDefinition ReadModel(ICakeContext context, KaptainSettings settings)
    {
        var input = ModelProjectReader.Read(context, settings);
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

        return read.Model ?? throw new CakeException(Summary(read.Diagnostics));
    }

    public static string IntermediateDirectory(ICakeContext context, DirectoryPath? configured, ModelDefinition model) =>
        configured is { } path
            ? path.MakeAbsolute(context.Environment).FullPath
            : System.IO.Path.Combine(model.ProjectDirectory, "obj", "kaptain");

    public static LifecycleOptions Options(ICakeContext context, KaptainLifecycleSettings settings, ModelDefinition model, string? image = null)
    {
        ImageReference? reference = null;
        if (!string.IsNullOrWhiteSpace(image) && !ImageReference.TryParse(image, out reference))
        {
            throw new CakeException(KaptainDiagnostic.Error("KAPT2304", "Image", image).ToString());
        }

        return new LifecycleOptions
        {
            Model = model,
            IntermediateDirectory = IntermediateDirectory(context, settings.IntermediateDirectory, model),
            Log = new CakeLifecycleLog(context.Log),
            Image = reference,
        };
    }

    /// <summary>Runs a core call with a token that Ctrl+C and SIGTERM cancel, and reports its failure to Cake.</summary>
    public static T Run<T>(ICakeContext context, Func<CancellationToken, Task<T>> call)
    {
        using var cancellation = new CancellationTokenSource();
        // Keep the process alive on the first signal so the core can remove what the run created; the core returns
        // (with OperationCanceledException) once cleanup is done.
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            cancellation.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
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
            throw new CakeException("Cancelled: the Kaptain step was interrupted and removed what it had created.");
        }
    }

    private static string Summary(IReadOnlyList<KaptainDiagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
}
