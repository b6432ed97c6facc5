using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Hosting;
using Kaptain.LocalCluster.Operators;
using Kaptain.LocalCluster.Simulation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>
/// The shape of a simulated controller, as controller-runtime gives it: watches of some types map each object to the
/// key (<c>namespace/name</c>) of a primary object, and one worker reconciles each key from the current state.
/// </summary>
internal abstract class ReconcilingController : IController
{
    private ILogger _logger = NullLogger.Instance;

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>The cluster, set when the controller starts.</summary>
    protected OperatorContext Cluster { get; private set; } = null!;

    /// <summary>The objects of the cluster, through its API.</summary>
    internal IClusterApi Store => Cluster.Store;

    /// <summary>What scripted workloads do.</summary>
    protected ScenarioResolver Scenarios { get; private set; } = null!;

    /// <summary>Events about the objects this controller manages.</summary>
    protected EventRecorder Events { get; private set; } = null!;

    /// <summary>The work queue.</summary>
    protected ReconcileQueue Queue { get; private set; } = null!;

    /// <summary>The current time.</summary>
    protected DateTimeOffset Now => Cluster.Time.GetUtcNow();

    /// <inheritdoc/>
    public async Task RunAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        Cluster = context;
        _logger = context.LoggerFactory.CreateLogger(Name);
        Scenarios = new ScenarioResolver(await SimulationSettings.LoadScenarioFileAsync(context, cancellationToken).ConfigureAwait(false));
        Events = new EventRecorder(context.Store, context.Time, Name);
        Queue = new ReconcileQueue(context.Time);
        foreach (var (type, keys) in Watches())
        {
            if (type is not null)
            {
                Watch(type, keys);
            }
        }

        try
        {
            await Queue.RunAsync(ReconcileSafelyAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The cluster is stopping.
        }
    }

    /// <summary>The watched types (null: not served here, skipped) and the primary keys an object maps to.</summary>
    protected abstract IEnumerable<(ResourceType? Type, Func<JsonObject, IEnumerable<string>> Keys)> Watches();

    /// <summary>Brings the object named by the key to the state its spec and its children say.</summary>
    protected abstract Task ReconcileAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>Maps an object to its own key.</summary>
    protected static IEnumerable<string> Self(JsonObject obj) => [Key(ObjectFields.Namespace(obj), ObjectFields.Name(obj))];

    /// <summary>Maps an object to the key of its controller when that is of <paramref name="kind"/>.</summary>
    protected static Func<JsonObject, IEnumerable<string>> OwnerOfKind(params string[] kind) => obj =>
        ObjectFields.ControllerOf(obj) is { } owner && kind.Contains(ObjectFields.Text(owner["kind"]))
            ? [Key(ObjectFields.Namespace(obj), ObjectFields.Text(owner["name"]) ?? string.Empty)]
            : [];

    /// <summary>The key of an object.</summary>
    protected static string Key(string ns, string name) => $"{ns}/{name}";

    /// <summary>Runs <paramref name="action"/> and ignores the API errors named (an object created or deleted meanwhile).</summary>
    protected static async Task Tolerate(Func<Task> action, params int[] codes)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (ApiException e) when (codes.Contains(e.Code))
        {
            // Someone else (the garbage collector, the user) got there first: the state we wanted holds or is moot.
        }
    }

    /// <summary>Writes the status of an object when <paramref name="mutate"/> changes it; false when the object is gone.</summary>
    protected async Task<bool> MutateStatus(ResourceType type, string ns, string name, Func<JsonObject, bool> mutate)
    {
        try
        {
            await Store.MutateAsync(type, ns, name, obj => mutate(ObjectFields.Child(obj, "status")), status: type.HasStatusSubresource).ConfigureAwait(false);
            return true;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return false;
        }
    }

    private void Watch(ResourceType type, Func<JsonObject, IEnumerable<string>> keys) =>

        // The shared cache of the type calls back for every object already there (added) and every change after.
        Store.OnChange(type, (_, obj) =>
        {
            foreach (var key in keys(obj))
            {
                Queue.Add(key);
            }
        });

    private async Task ReconcileSafelyAsync(string key, CancellationToken cancellationToken)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        try
        {
            await ReconcileAsync(key[..slash], key[(slash + 1)..], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A controller that stops on one bad object stops simulating every other one: log and try again later.
            _logger.LogWarning(e, "{Controller} could not reconcile {Key}; retrying", Name, key);
            Queue.AddAfter(key, TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
