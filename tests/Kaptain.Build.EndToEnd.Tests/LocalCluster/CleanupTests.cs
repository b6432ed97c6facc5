using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.LocalCluster;

/// <summary><see cref="Tests.CleanupTests"/> on the local cluster.</summary>
public sealed class CleanupTests(LocalClusterServers fixture) : Tests.CleanupTests(fixture);
