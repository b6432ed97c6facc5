using System.Text.RegularExpressions;
using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>Reads <see cref="BuilderSettings"/>: the image builder mode, the Kaniko image, resources, cache and timeout.</summary>
internal sealed partial class BuilderSettingsParser(ModelParseContext context)
{
    internal BuilderSettings Parse(string? registryHost)
    {
        var image = context.Image(P.BuilderImage, context.Value(P.BuilderImage)!);
        var resources = context.Resources(null, null, null, P.BuilderCpuRequest, P.BuilderCpuLimit, P.BuilderMemoryRequest, P.BuilderMemoryLimit);
        var cache = context.Boolean(P.BuilderCache);
        string? cacheRepository = null;
        if (context.Value(P.BuilderCacheRepository) is { } repositoryText)
        {
            if (!ImageReference.TryParse(repositoryText, out var repository) || repository.Tag is not null || repository.Digest is not null)
            {
                context.Error(InvalidBuilderCacheRepository, P.BuilderCacheRepository, repositoryText);
            }
            else
            {
                // Kaniko reads a repository without a registry as Docker Hub's; the model's registry is meant.
                cacheRepository = (repository.Domain is null && !string.IsNullOrEmpty(registryHost) ? repository with { Domain = registryHost } : repository).ToString();
            }
        }

        var cacheTtl = context.Value(P.BuilderCacheTtl);
        if (cacheTtl is not null && !GoDurationRegex().IsMatch(cacheTtl))
        {
            context.Error(InvalidBuilderCacheTtl, P.BuilderCacheTtl, cacheTtl);
            cacheTtl = null;
        }

        foreach (var (property, value) in new[] { (P.BuilderCacheRepository, context.Value(P.BuilderCacheRepository)), (P.BuilderCacheTtl, context.Value(P.BuilderCacheTtl)) })
        {
            if (value is not null && !cache)
            {
                context.Error(BuilderCacheSettingWithoutCache, property, property);
            }
        }

        var modeText = context.Value(P.ImageBuilder)!.Trim().ToLowerInvariant();
        var mode = modeText switch
        {
            "auto" => ImageBuilderMode.Auto,
            "kaniko" => ImageBuilderMode.Kaniko,
            "append" => ImageBuilderMode.Append,
            _ => (ImageBuilderMode?)null,
        };
        if (mode is null)
        {
            context.Error(UnknownImageBuilder, P.ImageBuilder, modeText);
        }
        else if (mode == ImageBuilderMode.Append && context.Value(P.Dockerfile) is not null)
        {
            context.Error(AppendNeedsGeneratedDockerfile, P.ImageBuilder, context.Value(P.Dockerfile));
        }

        return new BuilderSettings(image?.ToString() ?? string.Empty, resources, context.Seconds(P.BuildTimeout))
        {
            Mode = mode ?? ImageBuilderMode.Auto,
            Cache = cache,
            CacheRepository = cacheRepository,
            CacheTtl = cacheTtl,
        };
    }

    // A positive Go duration as Kaniko's --cache-ttl flag parses it (time.ParseDuration), limited to the units that make
    // sense for a cache: h, m, s. "24h", "90m", "1h30m".
    [GeneratedRegex("^(?=.*[1-9])([0-9]+(\\.[0-9]+)?(h|m|s))+$")]
    private static partial Regex GoDurationRegex();
}
