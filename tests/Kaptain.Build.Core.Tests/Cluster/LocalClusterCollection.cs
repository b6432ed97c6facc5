using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

/// <summary>The integration tests that share one <see cref="SharedLocalCluster"/>, run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class LocalClusterCollection : ICollectionFixture<SharedLocalCluster>
{
    public const string Name = "local cluster (cluster layer)";
}
