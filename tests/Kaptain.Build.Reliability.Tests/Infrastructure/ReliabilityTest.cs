using System.Collections.Concurrent;
using System.Diagnostics;
using Kaptain.Testing;
using Xunit;
using Xunit.Sdk;

namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>
/// What the reliability tests share: the servers of one engine, namespaces made for the runs, what a namespace holds
/// (read through the API, so the same check holds on either server) and the figures. Every suite derives from it once
/// and is run once per engine (a sealed class per engine under <c>LocalCluster/</c> and <c>RealControlPlane/</c>, as
/// Nerdbank.GitVersioning runs one abstract suite per engine, and as the end-to-end suite does).
/// </summary>
public abstract class ReliabilityTest(ReliabilityServers fixture) : IAsyncLifetime
{
    // One namespace is made once per servers, also when several tests (or cases of a theory) ask for it.
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Namespaces = new(StringComparer.Ordinal);
    private readonly Stopwatch _time = new();
    private readonly List<string> _underShippedRoles = [];
    private LifecycleServers? _servers;

    /// <summary>The shared servers of the engine.</summary>
    protected LifecycleServers Servers => _servers ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>The cluster the test runs against.</summary>
    protected LifecycleEngine Engine => fixture.Engine;

    /// <summary>The test's token.</summary>
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _time.Start();
        _servers = await fixture.GetAsync(Token);
    }

    /// <summary>
    /// Ends the test: adds its time to its server's, and on the real control plane, where the runs go as a
    /// ServiceAccount bound only to the shipped Roles, a request of this test's runs the server refused (403, from its
    /// audit log) fails the test, also one the client handled quietly.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        ReliabilityFigures.AddTime(Engine, _time.Elapsed);
        if (_servers is not null)
        {
            List<string> forbidden;
            lock (_underShippedRoles)
            {
                forbidden = [.. _underShippedRoles.Distinct(StringComparer.Ordinal).SelectMany(_servers.Api.ForbiddenRequests).Where(r => !IsExpectedForbidden(r))];
            }

            if (forbidden.Count > 0)
            {
                throw new XunitException($"Requests the shipped Roles (samples/rbac) do not grant, refused with 403:{Environment.NewLine}{string.Join(Environment.NewLine, forbidden)}");
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Whether a refused request (a line of <see cref="Kaptain.Testing.ControlPlane.ApiServerUnderTest.ForbiddenRequests"/>)
    /// is one the test provokes on purpose; none by default.</summary>
    protected virtual bool IsExpectedForbidden(string request) => false;

    /// <summary>
    /// Makes <paramref name="namespace"/> (once per servers) and returns the kubeconfig in-process runs there use: the
    /// admin one on the local cluster, on the real control plane one of a ServiceAccount bound only to the shipped Roles
    /// (<see cref="LifecycleServers.NewNamespaceAsync"/>).
    /// </summary>
    protected async Task<string> NamespaceAsync(string @namespace)
    {
        var servers = Servers;
        var made = Namespaces.GetOrAdd($"{servers.WorkDirectory}|{@namespace}", _ => new Lazy<Task<string>>(async () =>
            await servers.NewNamespaceAsync(@namespace, Path.Combine(servers.WorkDirectory, "kubeconfigs", @namespace), CancellationToken.None) ?? servers.KubeconfigPath));
        var kubeconfig = await made.Value.WaitAsync(Token);
        if (kubeconfig != servers.KubeconfigPath)
        {
            lock (_underShippedRoles)
            {
                _underShippedRoles.Add(@namespace);
            }
        }

        return kubeconfig;
    }

    /// <summary>A copy of <paramref name="sample"/> with a namespace of its own (<see cref="LifecycleServers.NewProjectAsync"/>);
    /// on the real control plane its builds run under the shipped Roles, and a 403 fails the test.</summary>
    protected async Task<SampleProject> NewProjectAsync(string sample, string name)
    {
        var project = await Servers.NewProjectAsync(sample, name, Token);
        if (project.UnderShippedRoles)
        {
            lock (_underShippedRoles)
            {
                _underShippedRoles.Add(project.Namespace);
            }
        }

        return project;
    }

    /// <summary>What <paramref name="namespace"/> holds now, read through the API once the token controller and the
    /// garbage collector have caught up (bounded; <see cref="LifecycleServers.ResourcesInAsync"/>).</summary>
    protected Task<ClusterResources> ResourcesInAsync(string @namespace) => Servers.ResourcesInAsync(@namespace, Token);

    /// <summary>Records a figure of this test's server.</summary>
    protected void Record(string area, string name, long value, string goal = "") => ReliabilityFigures.Record(Engine, area, name, value, goal);
}
