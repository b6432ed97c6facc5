using System.Text.Json.Nodes;
using k8s;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Controllers;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Logs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kaptain.LocalCluster.Operators;

/// <summary>
/// The simulated operators running as clients of an API server: the local cluster's own (embedded, the default) or
/// any other that a kubeconfig names (<c>--attach</c>). They share one <see cref="KubernetesApi"/> (one watch-fed
/// cache per type) and stop when this is disposed.
/// </summary>
public sealed class SimulatedOperators : IAsyncDisposable
{
    private readonly KubernetesApi _api;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];
    private readonly ILogger _log;
    private int _disposed;

    private SimulatedOperators(KubernetesApi api, OperatorContext context, IReadOnlyList<IController> controllers)
    {
        _api = api;
        Context = context;
        Controllers = controllers;
        _log = context.LoggerFactory.CreateLogger("Kaptain.LocalCluster.Operators");
    }

    /// <summary>What the operators work with.</summary>
    public OperatorContext Context { get; }

    /// <summary>The operators running.</summary>
    public IReadOnlyList<IController> Controllers { get; }

    /// <summary>The server the operators talk to.</summary>
    public Uri Server => _api.BaseUri;

    /// <summary>
    /// Attaches every simulated operator to the cluster of <paramref name="configuration"/>: the kubelet, Kaniko, the
    /// training operator, Katib, KServe and Knative (installing Knative Serving's CRDs when the server has none), and
    /// the Job and Deployment controllers only where the server has none of its own (see
    /// <see cref="HasControllerManagerAsync"/>).
    /// </summary>
    public static async Task<SimulatedOperators> AttachAsync(KubernetesClientConfiguration configuration, string? scenarioFile, ILoggerFactory? loggerFactory, bool? simulateBuiltIn, CancellationToken cancellationToken)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var probe = new KubernetesApi(configuration, ResourceCatalog.CreateDefault(), loggerFactory);
        bool builtIn;
        await using (probe.ConfigureAwait(false))
        {
            builtIn = simulateBuiltIn ?? !await HasControllerManagerAsync(probe, cancellationToken).ConfigureAwait(false);
            await InstallKnativeServingAsync(probe, cancellationToken).ConfigureAwait(false);
        }

        var log = loggerFactory.CreateLogger("Kaptain.LocalCluster.Operators");
        log.LogInformation("Job and Deployment controllers: {Which}", builtIn ? "simulated (the server has none)" : "the server's own (kube-controller-manager)");
        return await StartAsync(configuration, SimulatedControllers.Create(includeBuiltIn: builtIn), new PodLogStore(TimeProvider.System), scenarioFile, loggerFactory, TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts <paramref name="controllers"/> against the server of <paramref name="configuration"/> once the
    /// caches they read are filled.</summary>
    public static async Task<SimulatedOperators> StartAsync(KubernetesClientConfiguration configuration, IReadOnlyList<IController> controllers, PodLogStore logs, string? scenarioFile, ILoggerFactory loggerFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var catalog = ResourceCatalog.CreateDefault();
        var api = new KubernetesApi(configuration, catalog, loggerFactory);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await api.StartAsync(CachedTypes(catalog), timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await api.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var operators = new SimulatedOperators(api, new OperatorContext(api, logs, scenarioFile, loggerFactory, time), controllers);
        foreach (var controller in controllers)
        {
            operators.Start(controller);
        }

        return operators;
    }

    /// <summary>
    /// Whether kube-controller-manager runs the built-in controllers: it creates the ServiceAccounts of its
    /// controllers in <c>kube-system</c> when it starts with <c>--use-service-account-credentials</c> (kubeadm, kind,
    /// minikube and the envtest start script all do).
    /// </summary>
    internal static async Task<bool> HasControllerManagerAsync(KubernetesApi api, CancellationToken cancellationToken) =>
        await api.ReadAsync(BuiltInResources.ServiceAccount, "kube-system", "job-controller", cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Stops the operators and their caches.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(false);
        await _api.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static IEnumerable<ResourceType> CachedTypes(ResourceCatalog catalog)
    {
        ResourceType[] builtIn =
        [
            BuiltInResources.Pod, BuiltInResources.Node, BuiltInResources.Secret, BuiltInResources.ConfigMap, BuiltInResources.ServiceAccount,
            BuiltInResources.Job, BuiltInResources.Deployment, BuiltInResources.Service,
            BuiltInResources.KnativeService, BuiltInResources.KnativeRevision, BuiltInResources.KnativeRoute,
        ];
        var custom = new[]
        {
            ("kubeflow.org/v1", "TFJob"), ("kubeflow.org/v1", "PyTorchJob"), ("kubeflow.org/v1beta1", "Experiment"),
            ("kubeflow.org/v1beta1", "Trial"), ("kubeflow.org/v1beta1", "Suggestion"),
            ("serving.kserve.io/v1beta1", "InferenceService"), ("serving.kubeflow.org/v1beta1", "InferenceService"),
        }.Select(k => catalog.FindByKind(k.Item1, k.Item2)).OfType<ResourceType>();
        return builtIn.Concat(custom);
    }

    /// <summary>Installs minimal CRDs for the Knative Serving kinds the simulated KServe and Knative use (schemaless, with
    /// a status subresource) when the server does not serve them; the local cluster serves them built in.</summary>
    private static async Task InstallKnativeServingAsync(KubernetesApi api, CancellationToken cancellationToken)
    {
        ResourceType[] kinds = [BuiltInResources.KnativeService, BuiltInResources.KnativeConfiguration, BuiltInResources.KnativeRevision, BuiltInResources.KnativeRoute];
        try
        {
            await api.SendForObjectAsync(HttpMethod.Get, KubernetesApi.CollectionPath(BuiltInResources.KnativeService, null) + "?limit=1", null, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            // Not installed.
        }

        foreach (var kind in kinds)
        {
            var crd = new JsonObject
            {
                ["apiVersion"] = "apiextensions.k8s.io/v1",
                ["kind"] = "CustomResourceDefinition",
                ["metadata"] = new JsonObject { ["name"] = $"{kind.Plural}.{kind.Group}", ["labels"] = new JsonObject { ["kaptain.dev/simulated"] = "true" } },
                ["spec"] = new JsonObject
                {
                    ["group"] = kind.Group,
                    ["scope"] = "Namespaced",
                    ["names"] = new JsonObject
                    {
                        ["kind"] = kind.Kind,
                        ["listKind"] = kind.ListKind,
                        ["plural"] = kind.Plural,
                        ["singular"] = kind.Singular,
                        ["shortNames"] = new JsonArray(kind.ShortNames.Select(n => (JsonNode?)n).ToArray()),
                        ["categories"] = new JsonArray("all", "knative", "serving"),
                    },
                    ["versions"] = new JsonArray(new JsonObject
                    {
                        ["name"] = kind.Version,
                        ["served"] = true,
                        ["storage"] = true,
                        ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                        ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
                    }),
                },
            };
            try
            {
                await api.SendForObjectAsync(HttpMethod.Post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Installed meanwhile.
            }
        }

        // Established within a moment; bounded.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await api.SendForObjectAsync(HttpMethod.Get, KubernetesApi.CollectionPath(BuiltInResources.KnativeRoute, null) + "?limit=1", null, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ApiException e) when (e.Code == 404)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Start(IController controller)
    {
        _running.Add(Task.Run(async () =>
        {
            try
            {
                await controller.RunAsync(Context, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Stopping.
            }
            catch (Exception e)
            {
                _log.LogError(e, "Controller {Controller} failed", controller.Name);
            }
        }));
    }
}
