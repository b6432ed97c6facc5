using Kaptain.Build.Cleanup;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// Interruption sweep: each step runs once to count its interruption points, then once per point with the cancellation
/// fired there. The points are each line of the step's log that says a resource was just created, an upload or a wait
/// begun, and each create the server accepted whose answer the client layer then drops (the create landed, the client
/// has not journalled it: <see cref="AcceptedRequestTrigger"/>). After each cancelled run nothing may be left in its
/// namespace, nor a journal in <c>obj/kaptain</c>. After every run — also one that ended before its cancellation
/// arrived — no journal names a resource that is still pending, and the bucket holds only what the run may leave: the
/// model the test put where the InferenceService reads it, still there, and nothing outside <c>models/</c> (the build
/// context the run uploaded is gone).
/// </summary>
public abstract class InterruptionSweepTests(ReliabilityServers fixture) : ReliabilityTest(fixture)
{
    private const string Area = "Interruption sweep (in-process cancellation)";

    private static int _namespaces;

    public static TheoryData<string> Steps => ReliabilityServers.Full
        ? new("build-image", "train", "publish", "tune")
        : new("build-image", "train", "publish");

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Cancelling_at_every_point_leaves_nothing(string step)
    {
        var baseline = await RunAsync(step, Point.None);
        Assert.True(baseline.Error is null, $"{baseline.Error}{Environment.NewLine}{string.Join(Environment.NewLine, baseline.Log.Lines)}");
        Assert.True(baseline.Log.Points > 0, string.Join(Environment.NewLine, baseline.Log.Lines));
        Assert.True(baseline.Accepted.Accepted > 0, string.Join(Environment.NewLine, baseline.Log.Lines));

        var withLeftovers = new List<string>();
        var cancelled = 0;
        var contextsLeft = 0;
        var ended = 0;
        if (await BucketLeftoversAsync(baseline) is { Count: > 0 } baselineObjects)
        {
            withLeftovers.Add($"the uninterrupted run left {string.Join(", ", baselineObjects)} in the bucket");
            contextsLeft++;
        }

        var points = Enumerable.Range(1, baseline.Log.Points).Select(Point.Logged)
            .Concat(Enumerable.Range(1, baseline.Accepted.Accepted).Select(Point.AcceptedCreate))
            .ToList();
        foreach (var point in points)
        {
            var run = await RunAsync(step, point);
            var where = point.Log > 0
                ? $"point {point} ({run.Log.Lines.Where(TriggerLog.IsPoint).ElementAtOrDefault(point.Log - 1)})"
                : $"point {point} ({run.Accepted.Fired ?? "the run ended first"})";
            if (run.Error is OperationCanceledException)
            {
                cancelled++;
            }
            else if (run.Error is not null)
            {
                withLeftovers.Add($"{where}: unexpected {run.Error.GetType().Name}: {run.Error.Message}");
            }
            else
            {
                ended++;
            }

            var left = (await ResourcesInAsync(run.Namespace)).All;
            var journals = Directory.Exists(run.Intermediate) ? Directory.GetFiles(run.Intermediate, "journal-*") : [];
            if (run.Error is OperationCanceledException && (left.Count > 0 || journals.Length > 0))
            {
                withLeftovers.Add($"{where}: {string.Join(", ", left)} {string.Join(", ", journals.Select(Path.GetFileName))}");
            }

            // Every run, however it ended: nothing pending in a journal, and the bucket holds only what may stay.
            var pending = journals.SelectMany(j => ResourceJournal.PendingOf(ResourceJournal.Read(j))).ToList();
            if (pending.Count > 0)
            {
                withLeftovers.Add($"{where}: the journal still names {string.Join(", ", pending.Select(p => p.Resource))}");
            }

            if (await BucketLeftoversAsync(run) is { Count: > 0 } objects)
            {
                withLeftovers.Add($"{where}: the bucket still holds {string.Join(", ", objects)}");
                contextsLeft++;
            }
        }

        Record(Area, $"{step}: points tried (log lines / accepted creates)", points.Count);
        Record(Area, $"{step}: of them accepted creates not yet journalled", baseline.Accepted.Accepted);
        Record(Area, $"{step}: runs cancelled", cancelled);
        Record(Area, $"{step}: runs that ended before the cancellation (checked too)", ended);
        Record(Area, $"{step}: runs with leftovers", withLeftovers.Count, "0");
        Record(Area, $"{step}: runs leaving objects in S3 (build contexts, a removed model)", contextsLeft, "0");
        Assert.True(withLeftovers.Count == 0, string.Join(Environment.NewLine, withLeftovers));
        Assert.True(cancelled > 0);
    }

    // What the bucket holds that a run must not leave: anything outside models/ (a build context), and the model the
    // publish step serves when it is gone. Read from s3rver's data directory (<bucket>/<key>._S3rver_object), not
    // through a list request, whose answer the Minio client of this suite may read as empty.
    private async Task<List<string>> BucketLeftoversAsync(Run run)
    {
        var bucket = Path.Combine(Servers.S3.DataDirectory, run.Bucket);
        const string Suffix = "._S3rver_object";
        var keys = Directory.Exists(bucket)
            ? Directory.EnumerateFiles(bucket, "*" + Suffix, SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(bucket, f)[..^Suffix.Length].Replace(Path.DirectorySeparatorChar, '/'))
                .ToList()
            : [];
        var leftovers = keys.Where(k => !k.StartsWith("models/", StringComparison.Ordinal)).Select(k => $"s3://{run.Bucket}/{k}").ToList();
        if (!keys.Contains(run.ModelKey, StringComparer.Ordinal)
            || !await Servers.S3.ObjectExistsAsync(run.Bucket, run.ModelKey, TestContext.Current.CancellationToken))
        {
            leftovers.Add($"(the model s3://{run.Bucket}/{run.ModelKey} is gone)");
        }

        return leftovers;
    }

    private async Task<Run> RunAsync(string step, Point point)
    {
        var @namespace = $"int-{step}-{Interlocked.Increment(ref _namespaces)}";
        var model = InProcessModel.Create(Servers, $"int-{step}", @namespace, await NamespaceAsync(@namespace), "succeed after=1s");

        // The trained model where the InferenceService reads it (KaptainModelUri), as the training step leaves it: the
        // simulated KServe storage initializer checks it is there before the predictor starts.
        // It is in the layout the framework's predictor loads, which the storage initializer checks too.
        var modelUri = new Uri(model.Model.Publish.ModelUri);
        var framework = model.Model.Framework.ToString().ToLowerInvariant();
        var prefix = modelUri.AbsolutePath.Trim('/');
        await ServableModel.PutAsync(Servers.S3, modelUri.Host, prefix, framework, model.Model.Name, TestContext.Current.CancellationToken);
        var modelKey = framework == "tensorflow" ? $"{prefix}/1/saved_model.pb" : $"{prefix}/model-store/{model.Model.Name}.mar";

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var log = new TriggerLog(point.Log, cancellation);
        var accepted = new AcceptedRequestTrigger(point.Accepted, cancellation);
        var options = model.Options(log);
        options = new LifecycleOptions
        {
            Model = options.Model,
            IntermediateDirectory = options.IntermediateDirectory,
            Environment = options.Environment,
            Log = options.Log,
            CleanupTimeout = options.CleanupTimeout,
            ClusterHandlers = accepted.Handlers,
        };
        Exception? error = null;
        try
        {
            Task work = step switch
            {
                "build-image" => KaptainLifecycle.BuildImageAsync(options, cancellation.Token),
                "train" => KaptainLifecycle.TrainAsync(options, cancellation.Token),
                "tune" => KaptainLifecycle.TuneAsync(options, cancellation.Token),
                _ => KaptainLifecycle.PublishAsync(options, cancellation.Token),
            };
            await work;
        }
        catch (Exception e) when (e is OperationCanceledException || e is Kaptain.Build.Diagnostics.KaptainException)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            error = e;
        }

        return new Run(log, accepted, error, @namespace, options.IntermediateDirectory, modelUri.Host, modelKey);
    }

    private sealed record Run(TriggerLog Log, AcceptedRequestTrigger Accepted, Exception? Error, string Namespace, string Intermediate, string Bucket, string ModelKey);

    /// <summary>Where a run is cancelled: at its n-th interruption line, or at its n-th accepted create (never when both are 0).</summary>
    private sealed record Point(int Log, int Accepted)
    {
        public static Point None { get; } = new(0, 0);

        public static Point Logged(int n) => new(n, 0);

        public static Point AcceptedCreate(int n) => new(0, n);

        public override string ToString() => Log > 0 ? $"line {Log}" : $"accepted create {Accepted}";
    }
}
