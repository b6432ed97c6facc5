using Kaptain.Build.Reliability.Tests.Infrastructure;
using Xunit;

namespace Kaptain.Build.Reliability.Tests.LocalCluster;

/// <summary><see cref="Tests.BadInputTests"/> on the local cluster.</summary>
// One collection: the bad input corpus counts every mutating request the local cluster receives.
[Collection("reliability")]
public sealed class BadInputTests(LocalClusterReliabilityServers fixture) : Tests.BadInputTests(fixture);
