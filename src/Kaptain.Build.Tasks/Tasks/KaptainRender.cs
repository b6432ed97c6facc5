using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Microsoft.Build.Framework;
using TaskItem = Microsoft.Build.Utilities.TaskItem;

namespace Kaptain.Build.Tasks;

/// <inheritdoc cref="KaptainRender" />
public sealed partial class KaptainRender : KaptainTask
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var input = ModelTaskItems.ToModelInput(Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!, ModelProperties, ModelItems);
        var read = ModelDefinitionReader.Read(input);
        LogDiagnostics(read.Diagnostics, ProjectFile);
        if (read.Model is not { } model)
        {
            return;
        }

        var files = await ManifestDirectory.RenderAsync(model, OutputDirectory, cancellationToken).ConfigureAwait(false);

        var manifests = new List<ITaskItem>();
        var written = new List<ITaskItem>();
        foreach (var file in files)
        {
            if (!file.Rendered)
            {
                // A step the model does not define (tuning without objectives or a search space) is not an error
                // until the step is run; say why its file is missing.
                foreach (var reason in file.Reasons)
                {
                    Log.LogMessage(MessageImportance.High, $"{Path.GetFileName(file.Path)} is not rendered: {reason}");
                }

                continue;
            }

            var item = new TaskItem(file.Path);
            item.SetMetadata("Step", file.Step.ShortName());
            manifests.Add(item);
            if (file.Changed)
            {
                written.Add(item);
                Log.LogMessage(MessageImportance.Normal, $"Wrote {file.Path}");
            }
        }

        ManifestFiles = [.. manifests];
        WrittenFiles = [.. written];
        Log.LogMessage(
            MessageImportance.High,
            $"{model.Id}: {manifests.Count} manifest files in {OutputDirectory} ({written.Count} changed)");
    }
}
