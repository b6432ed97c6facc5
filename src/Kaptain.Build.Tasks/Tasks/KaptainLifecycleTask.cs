using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Model;
using Microsoft.Build.Framework;
using TaskItem = Microsoft.Build.Utilities.TaskItem;

namespace Kaptain.Build.Tasks;

/// <summary>
/// What the lifecycle tasks (<c>KaptainBuildImage</c>, <c>KaptainTrain</c>, <c>KaptainTune</c>, <c>KaptainPublish</c>,
/// <c>KaptainUndeploy</c>, <c>KaptainCleanup</c>) share: they read the model the targets pass, run one step of the
/// core's <see cref="KaptainLifecycle"/> with the build's cancellation token, log its progress, the workloads' logs and
/// its coded diagnostics, and return what the step produced. Credentials are never parameters: the core reads them from
/// the environment, the docker config and the kubeconfig.
/// </summary>
/// <typeparam name="TResult">The step's result.</typeparam>
public abstract class KaptainLifecycleTask<TResult> : KaptainTask
    where TResult : LifecycleStepResult
{
    /// <summary>The model project file; the model's relative paths are resolved against its directory, and
    /// diagnostics point at it.</summary>
    [Required]
    public string ProjectFile { get; set; } = string.Empty;

    /// <summary>The model's properties: <c>Include</c> is the MSBuild property name, metadata <c>Value</c> its value
    /// (empty means the default). The targets pass one item per name in the core's <c>ModelProperties.All</c>.</summary>
    public ITaskItem[] ModelProperties { get; set; } = [];

    /// <summary>The model's items, each with metadata <c>KaptainItemType</c> naming its item type.</summary>
    public ITaskItem[] ModelItems { get; set; } = [];

    /// <summary>The folder for the step's files (<c>obj/kaptain/</c>): the resource journal, the run report, the best
    /// hyperparameters.</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = string.Empty;

    /// <summary>The run id the step labelled its resources with (<c>kaptain.build/run</c>).</summary>
    [Output]
    public string RunId { get; private set; } = string.Empty;

    /// <summary>The run report (JSON) the step wrote under <see cref="IntermediateDirectory"/>.</summary>
    [Output]
    public string RunReport { get; private set; } = string.Empty;

    /// <summary>The resources the step created, <c>Kind namespace/name</c>, in creation order.</summary>
    [Output]
    public ITaskItem[] CreatedResources { get; private set; } = [];

    /// <summary>The resources the step removed, <c>Kind namespace/name</c>.</summary>
    [Output]
    public ITaskItem[] RemovedResources { get; private set; } = [];

    /// <summary>The resources the step left on the cluster on purpose (a finished training job), <c>Kind namespace/name</c>.</summary>
    [Output]
    public ITaskItem[] KeptResources { get; private set; } = [];

    /// <inheritdoc />
    protected sealed override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var log = new TaskLifecycleLog(Log, ProjectFile, () => ExitingConsole);
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;
        var read = ModelDefinitionReader.Read(ModelTaskItems.ToModelInput(projectDirectory, ModelProperties, ModelItems));
        log.Report(read.Diagnostics);
        if (read.Model is not { } model)
        {
            return;
        }

        var options = new LifecycleOptions
        {
            Model = model,
            IntermediateDirectory = Path.GetFullPath(IntermediateDirectory, model.ProjectDirectory),
            Log = log,
            Image = ParseImage(),
        };

        TResult result;
        try
        {
            result = await RunStepAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (KaptainException e)
        {
            // The core logged its errors through the log already; report only what it did not.
            log.Report(e.Diagnostics);
            return;
        }

        RunId = result.RunId;
        RunReport = result.ReportPath;
        CreatedResources = ToItems(result.Created);
        RemovedResources = ToItems(result.Removed);
        KeptResources = ToItems(result.Kept);
        SetOutputs(result);
    }

    /// <summary>The image the step runs, from the task's <c>Image</c> parameter; null when the step takes none or it is
    /// empty (the core then derives it from the build context checksum).</summary>
    private protected virtual string? ImageParameter => null;

    /// <summary>Runs the step.</summary>
    private protected abstract Task<TResult> RunStepAsync(LifecycleOptions options, CancellationToken cancellationToken);

    /// <summary>Sets the task's own outputs from the step's result.</summary>
    private protected abstract void SetOutputs(TResult result);

    /// <summary>Items whose <c>Include</c> is each text.</summary>
    private protected static ITaskItem[] ToItems(IEnumerable<string> values) => [.. values.Select(v => new TaskItem(v))];

    private ImageReference? ParseImage()
    {
        if (string.IsNullOrWhiteSpace(ImageParameter))
        {
            return null;
        }

        // The targets pass what KaptainBuildImage returned, so a malformed value is a bug, not user input.
        return ImageReference.TryParse(ImageParameter.Trim(), out var image)
            ? image
            : throw new ArgumentException($"Image '{ImageParameter}' is not an image reference.", nameof(ImageParameter));
    }
}
