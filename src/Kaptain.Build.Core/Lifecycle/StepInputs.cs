using Kaptain.Build.Context;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Lifecycle;

/// <summary>What the steps derive from the model before they touch the cluster: the build context and the run context.</summary>
internal static class StepInputs
{
    /// <summary>The build context (files, Dockerfile, checksum, image); an unreadable file is <c>KAPT3201</c>.</summary>
    public static async Task<BuildContext> BuildContextAsync(ModelDefinition model, CancellationToken cancellationToken)
    {
        try
        {
            return await BuildContextBuilder.CreateAsync(model, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var file = exception is FileNotFoundException { FileName: { } name } ? name : model.ProjectDirectory;
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3201", file, file, exception.Message), exception);
        }
    }

    /// <summary>
    /// The run context of a step that runs the model image: the image given in the options (the build step's output),
    /// else the one the build context's checksum names.
    /// </summary>
    public static async Task<RunContext> RunContextAsync(LifecycleRun run, CancellationToken cancellationToken)
    {
        var context = await BuildContextAsync(run.Model, cancellationToken).ConfigureAwait(false);
        var image = run.Options.Image ?? context.Image;
        run.Report.Set("image", image.ToString());
        return new RunContext
        {
            RunId = run.RunId,
            Namespace = run.Namespace,
            Image = image,
            ContextObjectKey = RunContext.ContextObjectKeyFor(run.Model, context, run.RunId),
        };
    }
}
