using Cake.Core;
using Cake.Core.Annotations;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Manifests;

namespace Cake.Kaptain;

/// <summary>
/// Aliases that run a model's lifecycle on Kubeflow — build the image, train, tune, publish, undeploy, clean up — and
/// render its manifests, from the same model project that <c>dotnet build -t:KaptainTrain</c> uses. Credentials come
/// from the docker config and the environment (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>), never from a
/// script. Ctrl+C while an alias runs removes what the run created.
/// </summary>
/// <example>
/// <code>
/// #addin nuget:?package=Cake.Kaptain
///
/// var model = new KaptainTrainSettings()
///     .WithProject("samples/mnist-pytorch/mnist-pytorch.proj")
///     .WithKubeconfig(EnvironmentVariable("KUBECONFIG"));
///
/// Task("Train").Does(() =>
/// {
///     var result = KaptainTrain(model);
///     Information("{0} {1}: {2}", result.JobKind, result.JobName, result.State);
/// });
///
/// RunTarget("Train");
/// </code>
/// </example>
[CakeAliasCategory("Kaptain")]
[CakeNamespaceImport("Kaptain.Build.Lifecycle")]
[CakeNamespaceImport("Kaptain.Build.Manifests")]
public static class KaptainAliases
{
    /// <summary>Writes every step's Kubernetes resources as YAML (Secret data redacted); needs no cluster and no credentials.</summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>One entry per step's file, with whether it changed.</returns>
    /// <example>
    /// <code>
    /// Task("Render").Does(() =>
    /// {
    ///     var files = KaptainRender(new KaptainRenderSettings().WithProject("samples/mnist-pytorch/mnist-pytorch.proj"));
    ///     foreach (var file in files) Information(file.Path);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static IReadOnlyList<RenderedManifestFile> KaptainRender(this ICakeContext context, KaptainRenderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var project = KaptainAliasRunner.ReadModel(context, settings);
        var directory = settings.OutputDirectory?.MakeAbsolute(context.Environment).FullPath ?? project.ManifestsDirectory;
        return KaptainAliasRunner.Run(context, token => ManifestDirectory.RenderAsync(project.Model, directory, token));
    }

    /// <summary>
    /// Builds and pushes the model's image with Kaniko in the cluster, unless the registry already has the image for
    /// the model's content (then nothing is created on the cluster). Everything the build creates is removed afterwards.
    /// </summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>The image reference with its digest, and whether it was built.</returns>
    /// <example>
    /// <code>
    /// Task("Image").Does(() =>
    /// {
    ///     var image = KaptainBuildImage(new KaptainBuildImageSettings().WithProject("model/model.proj"));
    ///     Information("Image: {0} (built: {1})", image.Image, image.Built);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static BuildImageResult KaptainBuildImage(this ICakeContext context, KaptainBuildImageSettings settings)
    {
        return RunStep(context, settings, image: null, KaptainLifecycle.BuildImageAsync);
    }

    /// <summary>
    /// Trains the model with a TFJob or PyTorchJob and streams every replica's log into Cake's log. The job stays after
    /// completion for troubleshooting unless force cleanup is asked for (<c>KaptainForceCleanup</c> or
    /// <c>KAPTAIN_SDK_FORCE_CLEANUP=true</c>). Builds the image first unless <see cref="KaptainTrainSettings.Image"/> is set.
    /// </summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>The job's kind, name and final state.</returns>
    /// <example>
    /// <code>
    /// Task("Train").Does(() =>
    /// {
    ///     var job = KaptainTrain(new KaptainTrainSettings().WithProject("model/model.proj").WithForceCleanup());
    ///     Information("{0} ended {1}", job.JobName, job.State);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static TrainResult KaptainTrain(this ICakeContext context, KaptainTrainSettings settings)
    {
        return RunStep(context, settings, settings?.Image ?? string.Empty, KaptainLifecycle.TrainAsync);
    }

    /// <summary>
    /// Tunes the model's hyperparameters with a Katib Experiment and reports each trial. The best hyperparameters are
    /// returned and written to <c>obj/kaptain/best-hyperparameters.props</c>, which a later build can import.
    /// Builds the image first unless <see cref="KaptainTuneSettings.Image"/> is set.
    /// </summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>The experiment's name and state, the best trial and its hyperparameters.</returns>
    /// <example>
    /// <code>
    /// Task("Tune").Does(() =>
    /// {
    ///     var tuned = KaptainTune(new KaptainTuneSettings().WithProject("model/model.proj").WithDeleteExperiment());
    ///     foreach (var (name, value) in tuned.BestHyperparameters) Information("{0} = {1}", name, value);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static TuneResult KaptainTune(this ICakeContext context, KaptainTuneSettings settings)
    {
        return RunStep(context, settings, settings?.Image ?? string.Empty, KaptainLifecycle.TuneAsync);
    }

    /// <summary>
    /// Publishes the model as a KServe InferenceService and waits until it is ready. An existing deployment is replaced
    /// only when <c>KaptainReplace</c> is set. Builds the image first unless <see cref="KaptainPublishSettings.Image"/> is set.
    /// </summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>The InferenceService's name and URL.</returns>
    /// <example>
    /// <code>
    /// Task("Publish").Does(() =>
    /// {
    ///     var service = KaptainPublish(new KaptainPublishSettings().WithProject("model/model.proj").WithReplace());
    ///     Information("Serving at {0}", service.Url);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static PublishResult KaptainPublish(this ICakeContext context, KaptainPublishSettings settings)
    {
        return RunStep(context, settings, settings?.Image ?? string.Empty, KaptainLifecycle.PublishAsync);
    }

    /// <summary>Removes the model's InferenceService and what was published with it.</summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>The InferenceService's name and whether it was there.</returns>
    /// <example>
    /// <code>
    /// Task("Undeploy").Does(() => KaptainUndeploy(new KaptainUndeploySettings().WithProject("model/model.proj")));
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static UndeployResult KaptainUndeploy(this ICakeContext context, KaptainUndeploySettings settings)
    {
        return RunStep(context, settings, image: null, KaptainLifecycle.UndeployAsync);
    }

    /// <summary>
    /// Promotes the canary of the model's InferenceService (published with <c>KaptainCanaryTrafficPercent</c>): drops
    /// <c>canaryTrafficPercent</c> so that KServe gives the latest revision all the traffic, and waits until it has.
    /// Serverless only: on RawDeployment it fails with KAPT2100.
    /// </summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>The URL and the revision that now has all the traffic.</returns>
    /// <example>
    /// <code>
    /// Task("Promote").Does(() =>
    /// {
    ///     var promoted = KaptainPromoteCanary(new KaptainPromoteCanarySettings().WithProject("model/model.proj"));
    ///     Information("{0} serves {1}", promoted.Url, promoted.Revision);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static CanaryResult KaptainPromoteCanary(this ICakeContext context, KaptainPromoteCanarySettings settings)
    {
        return RunStep(context, settings, image: null, KaptainLifecycle.PromoteCanaryAsync);
    }

    /// <summary>
    /// Rolls back the canary of the model's InferenceService: sets <c>canaryTrafficPercent</c> to 0 so that KServe sends
    /// all the traffic back to the revision rolled out before the canary, and waits until it has. Serverless only.
    /// </summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>The URL and the revision that now has all the traffic.</returns>
    /// <example>
    /// <code>
    /// Task("Rollback").Does(() =>
    /// {
    ///     var back = KaptainRollbackCanary(new KaptainRollbackCanarySettings().WithProject("model/model.proj"));
    ///     Information("{0} serves {1} again", back.Url, back.Revision);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static CanaryResult KaptainRollbackCanary(this ICakeContext context, KaptainRollbackCanarySettings settings)
    {
        return RunStep(context, settings, image: null, KaptainLifecycle.RollbackCanaryAsync);
    }

    /// <summary>
    /// Removes what earlier runs of this model left on the cluster (for example after a run was killed), found by the
    /// model's labels, and says what it removed. Other models' resources are never touched.
    /// </summary>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The model project and overrides.</param>
    /// <returns>What was found and removed.</returns>
    /// <example>
    /// <code>
    /// Task("Cleanup").Does(() =>
    /// {
    ///     var swept = KaptainCleanup(new KaptainCleanupSettings().WithProject("model/model.proj"));
    ///     Information("Removed {0} resources", swept.Removed.Count);
    /// });
    /// </code>
    /// </example>
    [CakeMethodAlias]
    public static CleanupResult KaptainCleanup(this ICakeContext context, KaptainCleanupSettings settings)
    {
        return RunStep(context, settings, image: null, KaptainLifecycle.CleanupAsync);
    }

    // What every lifecycle alias does: read the model, build (or find) the image first when the step runs one and none
    // was given (image == ""), then run the step with Ctrl+C cancellation.
    private static TResult RunStep<TResult>(
        ICakeContext context,
        KaptainLifecycleSettings settings,
        string? image,
        Func<LifecycleOptions, CancellationToken, Task<TResult>> step)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var project = KaptainAliasRunner.ReadModel(context, settings);
        if (image is { Length: 0 })
        {
            var imageOptions = KaptainAliasRunner.Options(context, settings, project);
            image = KaptainAliasRunner.Run(context, token => KaptainLifecycle.BuildImageAsync(imageOptions, token)).Image.ToString();
        }

        var options = KaptainAliasRunner.Options(context, settings, project, image);
        return KaptainAliasRunner.Run(context, token => step(options, token));
    }
}
