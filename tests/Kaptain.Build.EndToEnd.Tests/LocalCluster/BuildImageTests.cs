using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.LocalCluster;

/// <summary><see cref="Tests.BuildImageTests"/> on the local cluster.</summary>
public sealed class BuildImageTests(LocalClusterServers fixture, ReadOnlyContainerRegistry readOnlyRegistry) : Tests.BuildImageTests(fixture, readOnlyRegistry);
