using System.Security.Cryptography;
using System.Text;
using Kaptain.Build.Model;

namespace Kaptain.Build.Context;

/// <summary>Collects the files of a model's image build context and computes its checksum and image tag.</summary>
public static class BuildContextBuilder
{
    private const int ChecksumBuffer = 1024 * 1024;

    /// <summary>
    /// Builds the context of <paramref name="model"/>: the main file, the requirements file and the <c>KaptainFile</c>
    /// items (those a <c>.dockerignore</c> in the project directory excludes are left out; the main file and the
    /// requirements file are always in), and the model's own or a generated Dockerfile.
    /// </summary>
    public static async Task<BuildContext> CreateAsync(ModelDefinition model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ignore = await DockerIgnore.LoadAsync(model.ProjectDirectory, cancellationToken).ConfigureAwait(false);
        var entries = new SortedDictionary<string, BuildContextEntry>(StringComparer.Ordinal);

        void Add(ModelFile file, bool always)
        {
            if (file.ContextPath == BuildContext.DockerfileName || (!always && ignore.IsIgnored(file.ContextPath)))
            {
                return;
            }

            entries.TryAdd(file.ContextPath, new BuildContextEntry(file.ContextPath, file.FullPath));
        }

        Add(model.MainFile, always: true);
        if (model.RequirementsFile is { } requirements)
        {
            Add(requirements, always: true);
        }

        foreach (var file in model.Files)
        {
            Add(file, always: false);
        }

        var dockerfile = model.Dockerfile is { } own
            ? await File.ReadAllTextAsync(own.FullPath, cancellationToken).ConfigureAwait(false)
            : DockerfileGenerator.Generate(model);
        var list = entries.Values.ToList();
        var checksum = await ChecksumAsync(list, dockerfile, model.BaseImage, cancellationToken).ConfigureAwait(false);
        return new BuildContext
        {
            Entries = list,
            Dockerfile = dockerfile,
            IsDockerfileGenerated = model.Dockerfile is null,
            Checksum = checksum,
            Image = model.Image.Tag is null ? model.Image.WithTag(BuildContext.TagFor(checksum)) : model.Image,
        };
    }

    /// <summary>
    /// The base image context of the append builder for a model with the generated Dockerfile: the requirements file
    /// and <see cref="DockerfileGenerator.GenerateBase"/>; its image is the model image's repository followed by
    /// <c>/base</c>, tagged with its own checksum (so a change to the requirements, the base image or the Dockerfile
    /// generator names a new base, and any other change reuses it).
    /// </summary>
    public static async Task<BuildContext> CreateBaseAsync(ModelDefinition model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var entries = model.RequirementsFile is { } requirements
            ? new List<BuildContextEntry> { new(requirements.ContextPath, requirements.FullPath) }
            : [];
        var dockerfile = DockerfileGenerator.GenerateBase(model);
        var checksum = await ChecksumAsync(entries, dockerfile, model.BaseImage, cancellationToken).ConfigureAwait(false);
        return new BuildContext
        {
            Entries = entries,
            Dockerfile = dockerfile,
            IsDockerfileGenerated = true,
            Checksum = checksum,
            Image = model.Image with { Path = model.Image.Path + "/base", Tag = BuildContext.TagFor(checksum), Digest = null },
        };
    }

    /// <summary>
    /// SHA-256 over, for each entry in order, its context path, its length and its bytes; then the Dockerfile and the
    /// base image. Lengths and separators keep two different contexts from hashing the same stream.
    /// </summary>
    internal static async Task<string> ChecksumAsync(
        IReadOnlyList<BuildContextEntry> entries, string dockerfile, string baseImage, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // Two 1 MiB buffers: the next read runs while the last one is hashed, so the pass costs about the larger of the
        // disk (or page cache) and SHA-256, not their sum.
        var current = new byte[ChecksumBuffer];
        var next = new byte[ChecksumBuffer];
        foreach (var entry in entries)
        {
            var stream = new FileStream(entry.FullPath, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            });
            await using (stream.ConfigureAwait(false))
            {
                AppendField(hash, "file", entry.ContextPath + "\n" + stream.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var read = await stream.ReadAsync(current, cancellationToken).ConfigureAwait(false);
                while (read > 0)
                {
                    var reading = stream.ReadAsync(next, cancellationToken);
                    hash.AppendData(current, 0, read);
                    read = await reading.ConfigureAwait(false);
                    (current, next) = (next, current);
                }
            }
        }

        AppendField(hash, "dockerfile", dockerfile);
        AppendField(hash, "base-image", baseImage);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendField(IncrementalHash hash, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        hash.AppendData(Encoding.UTF8.GetBytes($"\0{name}\0{bytes.Length}\0"));
        hash.AppendData(bytes);
    }
}
