using System.Diagnostics;
using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Context;
using Kaptain.Build.Credentials;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Kaptain.Build.Registry;
using Kaptain.Build.Storage;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The build image step. The content checksum decides: when the registry has the image its tag names (and, for a tag
/// the model names, the image's <see cref="ChecksumLabel"/> is this content's checksum), nothing else happens (no
/// cluster request at all). A registry the build host cannot reach is "unknown": the image is built, with a warning. Otherwise the context goes to the object store as a tar.gz, streamed while it
/// is packed; the Secrets and the Kaniko Job are created; the builder's log is streamed; the Job is followed by a watch.
/// The Secrets and the context object are always removed; the Job too, unless a failed one is kept on request.
/// </summary>
internal static class BuildImageStep
{
    private static readonly TimeSpan LogDrain = TimeSpan.FromSeconds(3);

    public static async Task<BuildImageResult> RunAsync(LifecycleOptions options, CancellationToken cancellationToken)
    {
        await using var run = LifecycleRun.Begin(options, LifecycleStep.BuildImage.LabelValue());
        var model = run.Model;
        return await run.ExecuteAsync(
            async () =>
            {
                var context = await StepInputs.BuildContextAsync(model, cancellationToken).ConfigureAwait(false);
                run.Report.Set("contextChecksum", context.Checksum);
                run.Report.Set("image", context.Image.ToString());
                var dockerConfig = await StepCredentials.DockerConfigAsync(run, cancellationToken).ConfigureAwait(false);
                using var registry = new RegistryClient(RegistryClientOptions.From(model.Registry, dockerConfig));
                var (existing, reachable) = await UpToDateDigestAsync(run, registry, context, cancellationToken).ConfigureAwait(false);
                if (existing is not null)
                {
                    run.Report.Set("state", "UpToDate");
                    run.Report.Set("digest", existing);
                    run.Log.Info($"Image {context.Image} is up to date ({existing}); nothing to build");
                    return new BuildImageResult
                    {
                        Image = context.Image with { Digest = existing },
                        ContextChecksum = context.Checksum,
                        Built = false,
                    };
                }

                // The append builder talks to the registry from here; a registry only the cluster reaches leaves Kaniko
                // (auto), or is the registry error itself (append).
                if (model.Builder.Mode != ImageBuilderMode.Kaniko && context.IsDockerfileGenerated && (reachable || model.Builder.Mode == ImageBuilderMode.Append))
                {
                    return await AppendAsync(run, context, dockerConfig, registry, cancellationToken).ConfigureAwait(false);
                }

                var (digest, name) = await KanikoAsync(run, context, dockerConfig, registry, cancellationToken).ConfigureAwait(false);
                run.Report.Set("builder", "kaniko");
                run.Log.Info($"Built and pushed {context.Image}@{digest} in {LifecycleText.Duration(run.Elapsed)}");
                return new BuildImageResult
                {
                    Image = context.Image with { Digest = digest },
                    ContextChecksum = context.Checksum,
                    Built = true,
                    JobName = name,
                };
            },
            () => FailureKeepPolicy.For(model, ResourceKinds.Job),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The append builder: the base image (the generated Dockerfile without the model's files) is found in the registry,
    /// or built by Kaniko once; the model image is that base plus one layer of the context's files, pushed through the
    /// registry API. With the base in the registry nothing is written to the cluster and nothing is uploaded to S3.
    /// </summary>
    private static async Task<BuildImageResult> AppendAsync(
        LifecycleRun run, BuildContext context, DockerConfig dockerConfig, RegistryClient registry, CancellationToken cancellationToken)
    {
        var model = run.Model;
        var baseContext = await BuildContextBuilder.CreateBaseAsync(model, cancellationToken).ConfigureAwait(false);
        run.Report.Set("baseImage", baseContext.Image.ToString());
        var baseManifest = await AppendImageBuilder.FindBaseAsync(registry, baseContext.Image, cancellationToken).ConfigureAwait(false);
        string? jobName = null;
        if (baseManifest is null)
        {
            run.Log.Info($"Base image {baseContext.Image} (base image and requirements) is not in the registry; building it with Kaniko once");
            (_, jobName) = await KanikoAsync(run, baseContext, dockerConfig, registry, cancellationToken).ConfigureAwait(false);
            baseManifest = await AppendImageBuilder.FindBaseAsync(registry, baseContext.Image, cancellationToken).ConfigureAwait(false)
                ?? throw new KaptainException(KaptainDiagnostic.Error("KAPT1110", jobName, jobName, baseContext.Image, baseContext.Image.Domain ?? model.Registry.Host));
        }

        var watch = Stopwatch.StartNew();
        var appended = await AppendImageBuilder.AppendAsync(
            registry, baseContext.Image, baseManifest.Value, context.Image, ArchiveEntries(context).ToList(), DockerfileGenerator.WorkDirectory, context.Checksum, cancellationToken).ConfigureAwait(false);
        run.Report.Set("builder", "append");
        run.Report.Set("state", "Appended");
        run.Report.Set("digest", appended.Digest);
        run.Log.Info($"Appended the model's files ({LifecycleText.Size(appended.LayerBytes)} layer) to {baseContext.Image} and pushed {context.Image}@{appended.Digest} in {LifecycleText.Duration(watch.Elapsed)}" +
            (appended.MountedLayers > 0 ? $" ({appended.MountedLayers} base layers mounted)" : string.Empty));
        return new BuildImageResult
        {
            Image = context.Image with { Digest = appended.Digest },
            ContextChecksum = context.Checksum,
            Built = true,
            JobName = jobName,
        };
    }

    /// <summary>Builds and pushes <paramref name="context"/>'s image with a Kaniko Job; returns its digest and the Job's name.</summary>
    private static async Task<(string Digest, string JobName)> KanikoAsync(
        LifecycleRun run, BuildContext context, DockerConfig dockerConfig, RegistryClient registry, CancellationToken cancellationToken)
    {
        var model = run.Model;

        // Every credential before anything is created.
        var s3 = await StepCredentials.S3Async(run, cancellationToken).ConfigureAwait(false);
        var secrets = await StepCredentials.ForBuildAsync(run, s3, dockerConfig, cancellationToken).ConfigureAwait(false);
        await run.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var store = run.Own(StepCredentials.ObjectStore(run, s3));
        var bucket = model.Storage.Bucket;
        var key = RunContext.ContextObjectKeyFor(model, context, run.RunId);
        run.OnEnd = _ => RemoveContextObjectAsync(run, store, bucket, key);
        await UploadAsync(run, store, context, bucket, key, cancellationToken).ConfigureAwait(false);

        var runContext = new RunContext
        {
            RunId = run.RunId,
            Namespace = run.Namespace,
            Image = context.Image,
            ContextObjectKey = key,
            Secrets = secrets,
        };
        var resources = ManifestRenderer.Render(model, LifecycleStep.BuildImage, runContext).Resources;
        foreach (var resource in resources)
        {
            await run.CreateAsync(resource, cancellationToken).ConfigureAwait(false);
        }

        var name = resources.OfType<k8s.Models.V1Job>().Single().Metadata.Name;
        run.Report.Set("jobName", name);
        var sink = new StepLogSink(run.Log);
        ResourceWaitResult end;
        await using (var logs = new PodLogStreamer(run.Client, run.Namespace, run.RunSelector(LifecycleStep.BuildImage), sink, run.Resilience, run.Refused))
        {
            logs.Start(cancellationToken);
            var states = new StateReporter(run.Log, $"Job {name}", JobState);
            end = await StepWatch.WaitForAsync(run, ResourceKinds.Job, name, IsFinished, model.Builder.Timeout, states.Report, cancellationToken).ConfigureAwait(false);
            await logs.StopAsync(end.Outcome == ResourceWaitOutcome.Satisfied ? LogDrain : TimeSpan.Zero).ConfigureAwait(false);
        }

        var state = end.Outcome == ResourceWaitOutcome.TimedOut ? "TimedOut" : JobState(end.Resource);
        run.Report.Set("state", state);
        switch (end.Outcome)
        {
            case ResourceWaitOutcome.Deleted:
                throw new KaptainException(KaptainDiagnostic.Error("KAPT1109", name, "Job", name, "build image"));
            case ResourceWaitOutcome.TimedOut:
                throw await FailureAsync(run, "KAPT1102", name, LifecycleText.Duration(model.Builder.Timeout), sink, cancellationToken).ConfigureAwait(false);
            case ResourceWaitOutcome.Satisfied when state != "Complete":
                var failed = KubernetesObjectJson.Condition(end.Resource!, "Failed");
                throw LifecycleText.Text(failed?["reason"]) == "DeadlineExceeded"
                    ? await FailureAsync(run, "KAPT1102", name, LifecycleText.Duration(model.Builder.Timeout), sink, cancellationToken).ConfigureAwait(false)
                    : await FailureAsync(run, "KAPT1101", name, LifecycleText.Reason(failed), sink, cancellationToken).ConfigureAwait(false);
        }

        // Kaniko's own report first (its --digest-file is the termination message); the registry's answer for
        // the tag only when the pod or its message is gone, since the tag may have moved on meanwhile.
        var digest = await BuilderDigest.FromTerminationMessageAsync(run.Client, run.Namespace, run.RunSelector(LifecycleStep.BuildImage), cancellationToken).ConfigureAwait(false)
            ?? await registry.GetDigestAsync(context.Image, cancellationToken).ConfigureAwait(false)
            ?? throw new KaptainException(KaptainDiagnostic.Error("KAPT1110", name, name, context.Image, context.Image.Domain ?? model.Registry.Host));
        run.Report.Set("digest", digest);
        await run.CleanUpAsync(RunOutcome.Succeeded, KeepPolicy.RemoveEverything).ConfigureAwait(false);
        await RemoveContextObjectAsync(run, store, bucket, key).ConfigureAwait(false);
        return (digest, name);
    }

    /// <summary>
    /// The image label that records the content checksum, as the Kaptain SDK's generated Dockerfiles do
    /// (<c>LABEL checksum=...</c>): what tells whether an image under a tag the model names holds this content.
    /// </summary>
    public const string ChecksumLabel = "checksum";

    /// <summary>The Dockerfile Kaniko gets: the context's, with the <see cref="ChecksumLabel"/> last, so that it
    /// labels the final stage.</summary>
    public static string LabelledDockerfile(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var dockerfile = context.Dockerfile;
        return dockerfile + (dockerfile.EndsWith('\n') ? string.Empty : "\n") + $"LABEL {ChecksumLabel}=\"{context.Checksum}\"\n";
    }

    /// <summary>
    /// The digest of the image the registry has for this content, or null when it is to be built: the tag is absent,
    /// the tag is one the model names and the image under it has another (or no) checksum label, or the registry
    /// cannot be reached from here (many registries are reachable only from the cluster: then the build decides).
    /// </summary>
    private static async Task<(string? Digest, bool Reachable)> UpToDateDigestAsync(LifecycleRun run, RegistryClient registry, BuildContext context, CancellationToken cancellationToken)
    {
        string? digest;
        try
        {
            digest = await registry.GetDigestAsync(context.Image, cancellationToken).ConfigureAwait(false);
        }
        catch (KaptainException exception) when (exception.Diagnostics.Count > 0 && exception.Diagnostics[0].Code == "KAPT3101")
        {
            var host = context.Image.Domain ?? run.Model.Registry.Host;
            run.Warn(KaptainDiagnostic.Warning("KAPT5030", context.Image.ToString(), host, context.Image, exception.Diagnostics[0].Message));
            run.Report.Set("registryCheck", "Unreachable");
            return (null, false);
        }

        if (digest is null || context.Image.Tag == context.ChecksumTag)
        {
            return (digest, true);
        }

        var labels = await registry.GetLabelsAsync(context.Image with { Digest = digest }, cancellationToken).ConfigureAwait(false);
        var recorded = labels?.GetValueOrDefault(ChecksumLabel);
        if (recorded == context.Checksum)
        {
            return (digest, true);
        }

        run.Report.Set("registryCheck", "ContentChanged");
        run.Log.Info($"Image {context.Image} holds other content (checksum label {recorded ?? "(none)"}, this content {context.Checksum}); building it again");
        return (null, true);
    }

    /// <summary>Whether a Job has ended: a true <c>Complete</c> or <c>Failed</c> condition.</summary>
    public static bool IsFinished(JsonObject job) =>
        KubernetesObjectJson.HasTrueCondition(job, "Complete") || KubernetesObjectJson.HasTrueCondition(job, "Failed");

    /// <summary>A Job's state: <c>Complete</c>, <c>Failed</c>, <c>Running</c> (active pods) or <c>Pending</c>.</summary>
    public static string JobState(JsonObject? job)
    {
        if (job is null)
        {
            return "Deleted";
        }

        if (KubernetesObjectJson.HasTrueCondition(job, "Complete"))
        {
            return "Complete";
        }

        if (KubernetesObjectJson.HasTrueCondition(job, "Failed"))
        {
            return "Failed";
        }

        return job["status"]?["active"] is JsonValue active && active.TryGetValue<int>(out var count) && count > 0 ? "Running" : "Pending";
    }

    /// <summary>The files Kaniko gets: the context's entries and the Dockerfile at the root.</summary>
    public static IEnumerable<ContextArchiveEntry> ArchiveEntries(BuildContext context) =>
        context.Entries
            .Select(entry => new ContextArchiveEntry(entry.ContextPath, entry.FullPath))
            .Append(ContextArchiveEntry.FromContent(BuildContext.DockerfileName, System.Text.Encoding.UTF8.GetBytes(LabelledDockerfile(context))))
            .OrderBy(entry => entry.RelativePath, StringComparer.Ordinal);

    private static async Task UploadAsync(
        LifecycleRun run, IObjectStore store, BuildContext context, string bucket, string key, CancellationToken cancellationToken)
    {
        await store.EnsureBucketAsync(bucket, cancellationToken).ConfigureAwait(false);
        ContextObjectLedger.Record(run.Options.IntermediateDirectory, run.RunId, bucket, key);
        var entries = ArchiveEntries(context).ToList();
        var size = entries.Sum(e => e.FullPath is { } path ? new FileInfo(path).Length : e.Content.Length);
        run.Log.Info($"Uploading build context ({entries.Count} files, {LifecycleText.Size(size)}) to s3://{bucket}/{key}");
        var watch = Stopwatch.StartNew();
        ContextArchiveResult? archived = null;
        try
        {
            await store.PutAsync(
                bucket,
                key,
                async (stream, token) => archived = await ContextArchive.WriteAsync(entries, stream, null, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new KaptainException(KaptainDiagnostic.Error("KAPT3201", context.Image.ToString(), run.Model.ProjectDirectory, exception.Message), exception);
        }

        run.Report.AddCreated($"s3://{bucket}/{key}");
        run.Report.Set("contextObject", $"s3://{bucket}/{key}");
        run.Report.Set("contextBytes", archived!.CompressedBytes);
        run.Log.Info($"Uploaded build context: {LifecycleText.Size(archived.CompressedBytes)} compressed from {LifecycleText.Size(archived.TarBytes)} in {LifecycleText.Duration(watch.Elapsed)}");
    }

    private static async Task RemoveContextObjectAsync(LifecycleRun run, IObjectStore store, string bucket, string key)
    {
        // Not the build's token: after Ctrl+C the object must still go, within the cleanup time.
        using var timeout = new CancellationTokenSource(run.Options.CleanupTimeout);
        try
        {
            await store.DeleteAsync(bucket, key, timeout.Token).ConfigureAwait(false);
            ContextObjectLedger.Forget(run.Options.IntermediateDirectory, run.RunId);
            run.Report.AddRemoved($"s3://{bucket}/{key}");
            run.Log.Detail($"Removed s3://{bucket}/{key}");
        }
        catch (Exception exception) when (exception is KaptainException or OperationCanceledException or IOException)
        {
            run.Warn(KaptainDiagnostic.Warning("KAPT5004", $"s3://{bucket}/{key}", $"s3://{bucket}/{key}", exception.Message));
        }
    }

    /// <summary>
    /// <c>KAPT1101</c> or <c>KAPT1102</c>: the builder's last streamed log lines, how its pods ended (the Kaniko
    /// container's termination message: the log's tail, see <see cref="BuildJobManifest"/>, even where the log could
    /// not be streamed) and the Events. Kaniko's log holds no credential (they are in its environment and the mounted
    /// docker config, which it does not print; a Dockerfile's RUN gets the image's environment and the build args, not
    /// the executor's: kaniko pkg/commands/run.go); every secret this process handled is scrubbed all the same
    /// (<see cref="KnownSecrets"/>, as for servers' messages).
    /// </summary>
    private static async Task<KaptainException> FailureAsync(
        LifecycleRun run, string code, string name, string detail, StepLogSink sink, CancellationToken cancellationToken)
    {
        var tail = sink.Tail.Select(KnownSecrets.Scrub).ToList();
        var pods = await PodEnds.DescribeAsync(
            run.Client, run.Namespace, run.Refused, $"Job {name}", run.RunSelector(LifecycleStep.BuildImage), BuildJobManifest.ContainerName, tail, cancellationToken).ConfigureAwait(false);
        var events = await StepEvents.DescribeAsync(run, ResourceKinds.Job, name, ManifestLabels.Selector(run.Model, null, run.RunId), cancellationToken).ConfigureAwait(false);
        return new KaptainException(KaptainDiagnostic.Error(code, name, name, detail, LifecycleText.Lines(tail, "  (no log)"), pods, events));
    }
}
