using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.LocalCluster;

/// <summary><see cref="Tests.PublishTests"/> on the local cluster.</summary>
public sealed class PublishTests(LocalClusterServers fixture) : Tests.PublishTests(fixture);
