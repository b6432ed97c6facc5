using Kaptain.LocalCluster.Hosting;
using Kaptain.Testing.ControlPlane;
using Xunit;

[assembly: AssemblyFixture(typeof(RealControlPlaneFixture))]

namespace Kaptain.LocalCluster.Tests.ApiServer.Conformance;

/// <summary>The API-semantics suite against the stand-in: a fresh stand-in (no simulated controllers) per test.</summary>
public sealed class StandInApiServerTests : ApiServerConformanceTests
{
    private StandInApiServer? _server;

    /// <inheritdoc />
    protected override async ValueTask<ApiServerUnderTest> StartServerAsync() =>
        _server ??= await StandInApiServer.StartAsync(new LocalClusterOptions(), TestContext.Current.CancellationToken);

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// The same suite against upstream kube-apiserver v1.20.2 (started once for the assembly); skipped with the reason and
/// how to get the assets when there are none.
/// </summary>
public sealed class RealApiServerTests(RealControlPlaneFixture controlPlane) : ApiServerConformanceTests
{
    /// <inheritdoc />
    protected override ValueTask<ApiServerUnderTest> StartServerAsync() => ValueTask.FromResult<ApiServerUnderTest>(controlPlane.Require());
}
