using Kaptain.Build.Reliability.Tests.Infrastructure;
using Xunit;

namespace Kaptain.Build.Reliability.Tests.RealControlPlane;

/// <summary><see cref="Tests.S3FaultTests"/> on kube-apiserver + kube-controller-manager with the simulated operators attached,
/// the runs as a ServiceAccount bound only to the shipped Roles.</summary>
// One collection per server: the classes of one server run one after another (beside the local cluster's).
[Collection("reliability-real-control-plane")]
public sealed class S3FaultTests(RealControlPlaneReliabilityServers fixture) : Tests.S3FaultTests(fixture);
