using Kaptain.Build.Reliability.Tests.Infrastructure;
using Xunit;

namespace Kaptain.Build.Reliability.Tests.LocalCluster;

/// <summary><see cref="Tests.SecretExposureTests"/> on the local cluster.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
// One collection: the bad input corpus counts every mutating request the local cluster receives.
[Collection("reliability")]
public sealed class SecretExposureTests(LocalClusterReliabilityServers fixture) : Tests.SecretExposureTests(fixture);
