namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// What a Kaniko executor container was asked to do (Contract 3 of docs/architecture.md), read from its arguments and
/// its resolved environment: the S3 context, the Dockerfile path, the destinations and the S3 and TLS settings.
/// </summary>
internal sealed record KanikoInvocation
{
    /// <summary>The image name that marks a container as the Kaniko executor.</summary>
    public const string ExecutorImage = "kaniko-project/executor";

    /// <summary>The <c>--context</c> value, e.g. <c>s3://bucket/path/context.tar.gz</c>.</summary>
    public required string Context { get; init; }

    /// <summary>The bucket of an S3 context.</summary>
    public required string Bucket { get; init; }

    /// <summary>The object key of an S3 context.</summary>
    public required string Key { get; init; }

    /// <summary>The <c>--dockerfile</c> path inside the context (<c>Dockerfile</c> unless given).</summary>
    public string Dockerfile { get; init; } = "Dockerfile";

    /// <summary>The <c>--destination</c> images.</summary>
    public required IReadOnlyList<ImageReference> Destinations { get; init; }

    /// <summary><c>--insecure</c>: push over plain HTTP.</summary>
    public bool Insecure { get; init; }

    /// <summary><c>--skip-tls-verify</c>: do not verify the registry's certificate.</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary><c>--digest-file</c>, e.g. <c>/dev/termination-log</c>.</summary>
    public string? DigestFile { get; init; }

    /// <summary><c>--cache</c>: cache RUN layers in <see cref="CacheRepository"/> and reuse them.</summary>
    public bool Cache { get; init; }

    /// <summary><c>--cache-repo</c>, or null: Kaniko then infers the destination's repository + <c>/cache</c>.</summary>
    public string? CacheRepository { get; init; }

    /// <summary><c>--cache-ttl</c> (Kaniko's default: 336h, two weeks).</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromHours(336);

    /// <summary><c>S3_ENDPOINT</c>: the S3 endpoint URL.</summary>
    public string? S3Endpoint { get; init; }

    /// <summary><c>AWS_REGION</c> (<c>us-east-1</c> unless given).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary><c>AWS_ACCESS_KEY_ID</c>.</summary>
    public string? AccessKey { get; init; }

    /// <summary><c>AWS_SECRET_ACCESS_KEY</c>. Never printed.</summary>
    public string? SecretKey { get; init; }

    /// <summary><c>AWS_SESSION_TOKEN</c> of temporary credentials. Never printed.</summary>
    public string? SessionToken { get; init; }

    /// <summary>
    /// <c>S3_FORCE_PATH_STYLE</c>: Kaniko addresses the bucket by path only when it is exactly "true" in any case
    /// (kaniko pkg/buildcontext/s3.go: strings.ToLower(...) == "true"), else by host name (<c>bucket.host</c>).
    /// </summary>
    public bool ForcePathStyle { get; init; }

    /// <summary>Whether a container runs the Kaniko executor: its image is <c>.../kaniko-project/executor</c> or it is
    /// given an S3 context.</summary>
    public static bool IsKaniko(string? image, IEnumerable<string>? args) =>
        (image?.Contains(ExecutorImage, StringComparison.Ordinal) ?? false)
        || (args?.Any(a => a.StartsWith("--context=s3://", StringComparison.Ordinal)) ?? false);

    /// <summary>Reads the invocation from the container's arguments and resolved environment.</summary>
    /// <exception cref="KanikoFailure">The arguments are not ones Kaniko would run with.</exception>
    public static KanikoInvocation Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        string? context = null;
        string? dockerfile = null;
        string? digestFile = null;
        var destinations = new List<ImageReference>();
        var insecure = false;
        var skipTlsVerify = false;
        var cache = false;
        string? cacheRepository = null;
        var cacheTtl = TimeSpan.FromHours(336);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string name;
            string? value = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith('-') && eq > 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            else
            {
                name = arg;
            }

            string Value() => value ?? (i + 1 < args.Count ? args[++i] : throw new KanikoFailure($"Error: flag needs an argument: {name}"));

            switch (name)
            {
                case "--context" or "-c":
                    context = Value();
                    break;
                case "--dockerfile" or "-f":
                    dockerfile = Value();
                    break;
                case "--destination" or "-d":
                    var destination = Value();
                    try
                    {
                        destinations.Add(ImageReference.Parse(destination));
                    }
                    catch (FormatException e)
                    {
                        throw new KanikoFailure($"Error: error checking push permissions -- make sure you entered the correct tag name, and that you are authenticated correctly, and try again: {e.Message}");
                    }

                    break;
                case "--digest-file":
                    digestFile = Value();
                    break;
                case "--insecure":
                    insecure = value is null or "true";
                    break;
                case "--skip-tls-verify":
                    skipTlsVerify = value is null or "true";
                    break;
                case "--cache":
                    cache = value switch
                    {
                        null or "true" => true,
                        "false" => false,
                        _ => throw new KanikoFailure($"Error: invalid argument \"{value}\" for \"--cache\" flag: strconv.ParseBool: parsing \"{value}\": invalid syntax"),
                    };
                    break;
                case "--cache-repo":
                    cacheRepository = Value();
                    break;
                case "--cache-ttl":
                    var ttl = Value();
                    cacheTtl = GoDuration.TryParse(ttl, out var parsed)
                        ? parsed
                        : throw new KanikoFailure($"Error: invalid argument \"{ttl}\" for \"--cache-ttl\" flag: time: {(ttl.Length > 0 && ttl.All(char.IsAsciiDigit) ? "missing unit in" : "invalid")} duration \"{ttl}\"");
                    break;
                default:
                    // Kaniko has many more flags (--registry-certificate, --verbosity...); they do not change
                    // what the simulation reads or pushes.
                    if (!name.StartsWith('-'))
                    {
                        throw new KanikoFailure($"Error: unknown command \"{name}\" for \"executor\"");
                    }

                    break;
            }
        }

        if (context is null || !context.StartsWith("s3://", StringComparison.Ordinal))
        {
            throw new KanikoFailure($"Error: error resolving source context: the simulated Kaniko reads only s3:// contexts, not '{context}'");
        }

        var path = context["s3://".Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == path.Length - 1)
        {
            throw new KanikoFailure($"Error: error resolving source context: '{context}' names no object (expected s3://bucket/key)");
        }

        if (destinations.Count == 0)
        {
            throw new KanikoFailure("Error: you must provide --destination, or use --no-push");
        }

        return new KanikoInvocation
        {
            Context = context,
            Bucket = path[..slash],
            Key = path[(slash + 1)..],
            Dockerfile = dockerfile ?? "Dockerfile",
            Destinations = destinations,
            Insecure = insecure,
            SkipTlsVerify = skipTlsVerify,
            DigestFile = digestFile,
            Cache = cache,
            CacheRepository = cacheRepository,
            CacheTtl = cacheTtl,
            S3Endpoint = environment.GetValueOrDefault("S3_ENDPOINT"),
            Region = environment.GetValueOrDefault("AWS_REGION") is { Length: > 0 } region ? region : "us-east-1",
            AccessKey = environment.GetValueOrDefault("AWS_ACCESS_KEY_ID"),
            SecretKey = environment.GetValueOrDefault("AWS_SECRET_ACCESS_KEY"),
            SessionToken = environment.GetValueOrDefault("AWS_SESSION_TOKEN"),
            ForcePathStyle = string.Equals(environment.GetValueOrDefault("S3_FORCE_PATH_STYLE"), "true", StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => $"kaniko {Context} -> {string.Join(", ", Destinations)}";
}
