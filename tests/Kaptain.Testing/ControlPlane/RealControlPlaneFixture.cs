using Xunit;

namespace Kaptain.Testing.ControlPlane;

/// <summary>
/// The real control plane for a test assembly, started once for the run: register it with
/// <c>[assembly: AssemblyFixture(typeof(RealControlPlaneFixture))]</c>, take it in a test class's constructor and call
/// <see cref="Require"/> in each test that needs it. Without assets those tests are reported as skipped with the reason
/// and how to get them (never passed); with assets, a control plane that does not start fails them.
/// </summary>
public sealed class RealControlPlaneFixture : IAsyncLifetime
{
    private RealControlPlane? _plane;
    private Exception? _startFailure;
    private string _skipReason = "";

    /// <summary>
    /// What the assets lack, if they lack something but still run (no kube-controller-manager: the attached simulated
    /// operators have to run the Job and garbage-collector controllers); empty otherwise.
    /// </summary>
    public string Limitation { get; private set; } = "";

    /// <summary>The running control plane; skips the calling test (with the reason) when there are no assets.</summary>
    public RealControlPlane Require()
    {
        if (_plane is not null)
        {
            return _plane;
        }

        if (_startFailure is not null)
        {
            throw new InvalidOperationException("The real control plane did not start: " + _startFailure.Message, _startFailure);
        }

        Assert.Skip(_skipReason);
        throw new InvalidOperationException("unreachable");
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var assets = EnvtestAssets.Find(out var reason);
        if (assets is null)
        {
            _skipReason = reason;
            return;
        }

        Limitation = reason;
        try
        {
            _plane = await RealControlPlane.StartAsync(assets, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
        {
            _startFailure = e;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_plane is not null)
        {
            await _plane.DisposeAsync().ConfigureAwait(false);
        }
    }
}
