using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.LocalCluster;

/// <summary><see cref="Tests.TrainTests"/> on the local cluster.</summary>
public sealed class TrainTests(LocalClusterServers fixture) : Tests.TrainTests(fixture);
