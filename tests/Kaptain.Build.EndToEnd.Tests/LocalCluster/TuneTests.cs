using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.LocalCluster;

/// <summary><see cref="Tests.TuneTests"/> on the local cluster.</summary>
public sealed class TuneTests(LocalClusterServers fixture) : Tests.TuneTests(fixture);
