using Kaptain.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(Cake.Kaptain.Tests.SampleScriptServers))]

namespace Cake.Kaptain.Tests;

/// <summary>
/// The servers the Cake lifecycle runs of samples/cake/build.cake share, one <see cref="SharedLifecycleServers"/> per
/// engine: each started when the first run on it asks for them, so that a run of one engine's class does not start
/// the other.
/// </summary>
public sealed class SampleScriptServers : IAsyncDisposable
{
    // The project copies import the source tree's targets with this build's task assembly (the test project references
    // the task project, so the fresh dll is beside the tests).
    private static readonly string TasksAssembly = Path.Combine(AppContext.BaseDirectory, "Kaptain.Build.Tasks.dll");

    /// <summary>The local cluster with s3rver and docker-registry.</summary>
    public SharedLifecycleServers LocalCluster { get; } = new(LifecycleEngine.LocalCluster, TasksAssembly, scenarioFile: null);

    /// <summary>kube-apiserver + kube-controller-manager with the simulated operators attached, s3rver and docker-registry.</summary>
    public SharedLifecycleServers RealControlPlane { get; } = new(LifecycleEngine.RealControlPlane, TasksAssembly, scenarioFile: null);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await LocalCluster.DisposeAsync();
        await RealControlPlane.DisposeAsync();
    }
}
