using System.Security.Cryptography.X509Certificates;
using Kaptain.LocalCluster.Hosting;

namespace Kaptain.Testing.ControlPlane;

/// <summary>The stand-in API server (<see cref="LocalClusterServer"/>) in this process, as an <see cref="ApiServerUnderTest"/>.</summary>
public sealed class StandInApiServer : ApiServerUnderTest
{
    private StandInApiServer(LocalClusterServer server) => Server = server;

    /// <summary>The running stand-in (its store, logs and faults, for tests that look behind the API).</summary>
    public LocalClusterServer Server { get; }

    /// <inheritdoc />
    public override string Name => "stand-in";

    /// <inheritdoc />
    public override Uri Url => Server.Url;

    /// <inheritdoc />
    public override string AdminToken => Server.Context.Options.Token;

    /// <inheritdoc />
    public override byte[]? CaCertificate => null;

    /// <inheritdoc />
    public override bool HasControllers => true;

    /// <summary>An already running stand-in as an <see cref="ApiServerUnderTest"/>; disposing the result stops it.</summary>
    public static StandInApiServer For(LocalClusterServer server) => new(server ?? throw new ArgumentNullException(nameof(server)));

    /// <summary>Starts a stand-in with <paramref name="options"/> (default: no simulated controllers).</summary>
    public static async Task<StandInApiServer> StartAsync(LocalClusterOptions? options, CancellationToken cancellationToken) =>
        new(await LocalClusterServer.StartAsync(options, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => Server.DisposeAsync();

    /// <inheritdoc />
    protected override bool ValidateServerCertificate(X509Certificate2? certificate) => false;
}
