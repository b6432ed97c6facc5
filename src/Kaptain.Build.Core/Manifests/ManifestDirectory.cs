using System.Text;
using Kaptain.Build.Context;
using Kaptain.Build.Model;

namespace Kaptain.Build.Manifests;

/// <summary>
/// What <c>KaptainRender</c> does, for every front end: writes the resources of every lifecycle step of a model to a
/// directory, one YAML file per step, with Secret data redacted and no cluster or credentials involved. A file is
/// rewritten only when its content changes, so that its timestamp says when the resources last changed.
/// </summary>
public static class ManifestDirectory
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Renders every step of <paramref name="model"/> into <paramref name="directory"/>. A step the model does not define
    /// (tuning without objectives or a search space) gets no file (a stale one is removed) and its reasons.
    /// </summary>
    public static async Task<IReadOnlyList<RenderedManifestFile>> RenderAsync(
        ModelDefinition model,
        string directory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var context = await BuildContextBuilder.CreateAsync(model, cancellationToken).ConfigureAwait(false);
        var run = RunContext.ForRender(model, context);
        directory = Path.GetFullPath(directory, model.ProjectDirectory);
        Directory.CreateDirectory(directory);

        var files = new List<RenderedManifestFile>();
        foreach (var step in LifecycleStepNames.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(directory, step.ManifestFileName());
            var reasons = ManifestRenderer.Check(model, step);
            if (reasons.Count > 0)
            {
                File.Delete(path);
                files.Add(new RenderedManifestFile(step, path, Rendered: false, Changed: false, reasons));
                continue;
            }

            var content = Utf8.GetBytes(ManifestRenderer.RenderYaml(model, step, run));
            var changed = await WriteIfChangedAsync(path, content, cancellationToken).ConfigureAwait(false);
            files.Add(new RenderedManifestFile(step, path, Rendered: true, changed, []));
        }

        return files;
    }

    private static async Task<bool> WriteIfChangedAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        if (File.Exists(path)
            && (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(content))
        {
            return false;
        }

        // Write beside the file and move it into place, so a cancelled build never leaves half a manifest.
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, content, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
        return true;
    }
}
