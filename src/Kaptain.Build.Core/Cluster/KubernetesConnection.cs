using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cluster;

/// <summary>
/// An open connection to the cluster a build talks to: the client, the namespace the model's resources go to, and
/// where that choice came from. <see cref="Open(ClusterConnectionOptions, IClusterEnvironment?)"/> only reads configuration; <see cref="VerifyAsync"/> asks the
/// server, so a step can fail with a clear message before it creates anything.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
    private KubernetesConnection(
        IKubernetes client,
        KubeconfigLocation location,
        string? contextName,
        string server,
        string @namespace,
        TimeSpan requestTimeout,
        IReadOnlyList<KaptainDiagnostic> warnings)
    {
        Warnings = warnings;
        Client = client;
        Location = location;
        ContextName = contextName;
        Server = server;
        Namespace = @namespace;
        RequestTimeout = requestTimeout;
    }

    /// <summary>The KubernetesClient client; watches and log streams have no client-side timeout.</summary>
    public IKubernetes Client { get; }

    /// <summary>Where the configuration came from and which files were merged.</summary>
    public KubeconfigLocation Location { get; }

    /// <summary>The kubeconfig context in use; <see langword="null"/> for in-cluster configuration.</summary>
    public string? ContextName { get; }

    /// <summary>The API server address.</summary>
    public string Server { get; }

    /// <summary>The namespace: <c>KaptainNamespace</c>, else the context's namespace, else <c>default</c>.</summary>
    public string Namespace { get; }

    /// <summary>What is unsafe about the configuration, as KAPT5xxx warnings for the build log (KAPT5020: the kubeconfig
    /// turns off the check of the API server's certificate).</summary>
    public IReadOnlyList<KaptainDiagnostic> Warnings { get; }

    /// <summary>How long one API request may take before it counts as a transient fault.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>A short description for the build log: server, context and namespace (never credentials).</summary>
    public string Description =>
        ContextName is null
            ? $"{Server} (in-cluster service account), namespace {Namespace}"
            : $"{Server} (context {ContextName} from {string.Join(", ", Location.Files)}), namespace {Namespace}";

    /// <summary>Resolves the kubeconfig, the context and the namespace and creates the client. Does not call the server.</summary>
    /// <param name="options">The project's <c>KaptainKubeconfig</c>, <c>KaptainKubeContext</c> and <c>KaptainNamespace</c>.</param>
    /// <param name="environment">The environment to read; the real process environment when <see langword="null"/>.</param>
    /// <exception cref="KaptainException">A <c>KAPT100x</c> error naming what was looked at and what to do.</exception>
    public static KubernetesConnection Open(ClusterConnectionOptions options, IClusterEnvironment? environment = null) =>
        Open(options, environment, []);

    /// <summary>As <see cref="Open(ClusterConnectionOptions, IClusterEnvironment?)"/>, with HTTP handlers in front of the
    /// client's own (a test seam: faults injected in the client layer, where a server cannot put them).</summary>
    internal static KubernetesConnection Open(ClusterConnectionOptions options, IClusterEnvironment? environment, DelegatingHandler[] handlers)
    {
        ArgumentNullException.ThrowIfNull(options);
        environment ??= ProcessClusterEnvironment.Instance;
        var location = KubeconfigLocator.Locate(options, environment);

        KubernetesClientConfiguration configuration;
        string? contextName = null;
        if (location.Source == KubeconfigSource.InCluster)
        {
            try
            {
                configuration = KubernetesClientConfiguration.InClusterConfig();
            }
            catch (Exception exception) when (exception is KubeConfigException or IOException or UnauthorizedAccessException)
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT1012", null, exception.Message), exception);
            }
        }
        else
        {
            var merged = LoadMerged(location.Files);
            contextName = string.IsNullOrWhiteSpace(options.Context) ? merged.CurrentContext : options.Context.Trim();
            var contexts = (merged.Contexts ?? []).Select(context => context.Name).ToList();
            var files = string.Join(", ", location.Files);
            if (string.IsNullOrEmpty(contextName))
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT1004", "KaptainKubeContext", files, Names(contexts)));
            }

            if (!contexts.Contains(contextName, StringComparer.Ordinal))
            {
                throw new KaptainException(
                    KaptainDiagnostic.Error("KAPT1003", "KaptainKubeContext", contextName, files, Names(contexts)));
            }

            try
            {
                configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, contextName);
            }
            catch (Exception exception) when (exception is KubeConfigException or IOException or FormatException
                                                  or System.Security.Cryptography.CryptographicException)
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT1005", files, files, exception.Message), exception);
            }
        }

        var @namespace = !string.IsNullOrWhiteSpace(options.Namespace)
            ? options.Namespace.Trim()
            : !string.IsNullOrWhiteSpace(configuration.Namespace) ? configuration.Namespace : "default";

        // Watches and followed logs stay open for as long as a job runs; unary requests get RequestTimeout instead.
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        var server = configuration.Host.TrimEnd('/');
        List<KaptainDiagnostic> warnings = [];
        if (configuration.SkipTlsVerify && server.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // The build sends registry and S3 credentials in the Secrets it creates: over an unverified connection
            // anyone on the path can read them.
            warnings.Add(KaptainDiagnostic.Warning("KAPT5020", contextName, contextName ?? "(in-cluster)", server, string.Join(", ", location.Files)));
        }

        var client = new Kubernetes(configuration, handlers);
        return new KubernetesConnection(
            client, location, contextName, server, @namespace, options.RequestTimeout, warnings);
    }

    /// <summary>
    /// Asks the server for its core API resources, which needs a reachable server and accepted credentials.
    /// Transient faults are retried by <paramref name="resilience"/>.
    /// </summary>
    /// <exception cref="KaptainException"><c>KAPT1006</c> unreachable, <c>KAPT1007</c> unauthorized.</exception>
    public async Task VerifyAsync(ClusterResilience resilience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resilience);
        try
        {
            await resilience.ExecuteAsync(
                async token =>
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                    timeout.CancelAfter(RequestTimeout);
                    using var response = await Client.CoreV1
                        .GetAPIResourcesWithHttpMessagesAsync(cancellationToken: timeout.Token)
                        .ConfigureAwait(false);
                    return response.Body;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(this, exception, "get", ResourceKinds.ApiDiscovery, null, null);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Client.Dispose();

    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list);
    }

    private static K8SConfiguration LoadMerged(IReadOnlyList<string> files)
    {
        K8SConfiguration? merged = null;
        foreach (var file in files)
        {
            K8SConfiguration loaded;
            try
            {
                loaded = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                throw new KaptainException(KaptainDiagnostic.Error("KAPT1005", file, file, exception.Message), exception);
            }

            MakePathsAbsolute(loaded, file);
            merged = merged is null ? loaded : Merge(merged, loaded);
        }

        return merged ?? throw new InvalidOperationException("No kubeconfig file to load.");
    }

    // kubectl's merge: the first file that sets current-context wins, and for clusters, users and contexts the first
    // entry of a name wins. https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files
    private static K8SConfiguration Merge(K8SConfiguration first, K8SConfiguration next)
    {
        first.CurrentContext = string.IsNullOrEmpty(first.CurrentContext) ? next.CurrentContext : first.CurrentContext;
        first.Clusters = MergeByName(first.Clusters, next.Clusters, cluster => cluster.Name);
        first.Users = MergeByName(first.Users, next.Users, user => user.Name);
        first.Contexts = MergeByName(first.Contexts, next.Contexts, context => context.Name);
        return first;
    }

    private static List<T> MergeByName<T>(IEnumerable<T>? first, IEnumerable<T>? next, Func<T, string> name)
    {
        var result = (first ?? []).ToList();
        var seen = result.Select(name).ToHashSet(StringComparer.Ordinal);
        result.AddRange((next ?? []).Where(item => seen.Add(name(item))));
        return result;
    }

    // Relative file references in a kubeconfig are relative to that file; after a merge the client would resolve them
    // against the first file only, so they are made absolute first.
    private static void MakePathsAbsolute(K8SConfiguration configuration, string file)
    {
        var folder = Path.GetDirectoryName(file) ?? ".";
        string? Absolute(string? path) =>
            string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path));

        foreach (var cluster in configuration.Clusters ?? [])
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Absolute(endpoint.CertificateAuthority);
            }
        }

        foreach (var user in configuration.Users ?? [])
        {
            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Absolute(credentials.ClientCertificate);
                credentials.ClientKey = Absolute(credentials.ClientKey);
            }
        }
    }
}
